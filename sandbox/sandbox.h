/*
 * sandbox: one policy per worker kind, side by side, and the shared
 * privilege-dropping steps. A worker calls sandbox_enter() once, right
 * after it has connected to the broker and before it touches any input.
 */
#ifndef SB_SANDBOX_H
#define SB_SANDBOX_H

/* mode: "enforce", "audit" or "off". fatal() if a step fails. */
void sandbox_enter(int kind, const char *mode);

#endif
