/*
 * chan: the only way a spoolbox process puts a message on the wire or takes
 * one off. Encodes an Envelope into an nng message and back, with the size
 * cap applied before decoding and every field checked after (chan_validate).
 * A message that fails is dropped by the caller with the reason chan gives.
 */
#ifndef SB_CHAN_H
#define SB_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "proto/spoolbox.pb-c.h"

#define SB_PROTOCOL_VERSION 8
/* The uid of every job from the network (Caller, in the proto). */
#define SB_NET_UID 0xfffffffeu
#define SB_CHUNK_SIZE (256 * 1024)
/* A regular file up to this size is submitted whole in its SubmitReq,
 * not by descriptor (sbclient_submit; docs/messages.md). */
#define SB_INLINE_MAX (64 * 1024)
/* Largest encoded envelope: one chunk plus generous room for fields. */
#define SB_MSG_MAX (SB_CHUNK_SIZE + 64 * 1024)
#define SB_STR_MAX 4096
/*
 * Messages a broker<->worker channel buffers each way. Job data moves in
 * windows of a few chunks per dispatch, so correct peers never fill this;
 * the broker sends without blocking and treats a full channel as a hung
 * worker.
 */
#define SB_CHAN_BUF 1024

typedef Sb__Envelope sb_env;

/* A zeroed envelope with the protocol version set. */
void chan_env_init(sb_env *e);

/* Encode e into a new nng message; 0 or an nng error. */
int chan_encode(const sb_env *e, nng_msg **out);

/*
 * Decode and validate m (which stays the caller's). NULL with a reason in
 * err when m is too large, does not decode or fails validation.
 */
sb_env *chan_decode(nng_msg *m, char *err, size_t errlen);

/* Free a decoded envelope; NULL is fine. */
void chan_free(sb_env *e);

/* 0 when e is well formed; else -1 with the reason in err. */
int chan_validate(const sb_env *e, char *err, size_t errlen);
/* A PWG media name or an IPP keyword: 1..63 of [a-z0-9_.-] (NULL: no). */
int chan_keyword_ok(const char *s);
/* Does t set any field (non-zero)? */
int chan_text_layout_set(const Sb__TextLayout *t);
/* A TextLayout, field by field: own's where it sets one (non-zero),
 * else base's (either may be NULL), into dst, ready to pack; whether dst
 * sets any. */
int chan_text_layout_merge(Sb__TextLayout *dst, const Sb__TextLayout *own,
    const Sb__TextLayout *base);

/* Encode and send on s; 0 or an nng error. */
int chan_send(nng_socket s, const sb_env *e, int flags);

/* The name of an envelope's body, for logs. */
const char *chan_body_name(const sb_env *e);

/* The file descriptor nng signals when s has a message to receive. */
int chan_recvfd(nng_socket s);

#endif
