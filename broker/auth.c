/*
 * auth: network clients' accounts. A listener passes a client's HTTP
 * Basic credentials (it took them over TLS); each is checked against the
 * system's accounts through PAM (service "spoolbox"; without
 * /etc/pam.d/spoolbox PAM uses "other") in a child process of its own, so
 * PAM's modules never run in the broker and a slow or failing check
 * (pam_unix waits 2 s after a wrong password) never holds the poll loop.
 * A success is remembered as a random token naming the account for
 * AUTH_TTL_MS: the listener's later requests carry the token, and the
 * broker makes their caller that account. A compromised listener learns
 * only the passwords its clients send it, and can act only as accounts
 * that authenticated through it lately.
 * Reports: every failed authentication (user and reason, never the
 * password).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "broker.h"
#include "log.h"
#include "util.h"

#define AUTH_TTL_MS (10 * 60 * 1000)
#define AUTH_CHECK_MS 10000     /* a check that takes longer fails */
#define AUTH_TOKENS 256
#define AUTH_CHECKS 16          /* at once */
#define AUTH_RETRY_MS 2000      /* after a failure, per user (pam_unix's
				 * own delay, kept here, not in PAM) */

struct check {
	pid_t pid;
	int fd;                 /* the child's verdict; -1: slot free */
	uint64_t deadline;
	struct pending from;
	char user[64];
};

struct auth {
	struct check checks[AUTH_CHECKS];
	struct failed {
		char user[64];
		uint64_t until;
	} failed[AUTH_CHECKS]; /* a user's next try waits AUTH_RETRY_MS */
	struct token {
		uint64_t token, until;
		uid_t uid;
		char user[64];
	} tokens[AUTH_TOKENS];
	unsigned next;
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *password)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF &&
		    (r[i].resp = strdup(password)) == NULL) {
			free(r);
			return PAM_BUF_ERR;
		}
	*resp = r;
	return PAM_SUCCESS;
}

/* pam_unix's wait after a failure is the child's to skip: the broker
 * waits for nobody. */
static void
no_delay(int status, unsigned usec, void *arg)
{
	(void)status;
	(void)usec;
	(void)arg;
}

/* The child: PAM's verdict on user and password, as its exit status. */
static void __attribute__((noreturn))
check_child(const char *user, const char *password, int fd)
{
	struct pam_conv c = { conv, (void *)password };
	pam_handle_t *h = NULL;
	int rc = pam_start("spoolbox", user, &c, &h);

	if (rc == PAM_SUCCESS)
		rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_delay);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(h, PAM_SILENT |
		    PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, PAM_SILENT);
	if (write(fd, &rc, sizeof(rc)) != sizeof(rc))
		_exit(1);
	pam_end(h, rc);
	_exit(0);
}

int
auth_begin(struct broker *b, const struct pending *from, const char *user,
    const char *password)
{
	struct check *c = NULL;
	int p[2];

	if (b->auth == NULL && (b->auth = calloc(1, sizeof(*b->auth))) != NULL)
		for (size_t i = 0; i < AUTH_CHECKS; i++)
			b->auth->checks[i].fd = -1;
	for (size_t i = 0; b->auth != NULL && i < AUTH_CHECKS; i++)
		if (b->auth->checks[i].fd < 0)
			c = &b->auth->checks[i];
	if (c == NULL) {
		errno = EAGAIN;
		return -1;
	}
	for (size_t i = 0; i < AUTH_CHECKS; i++)
		if (b->auth->failed[i].until > now_mono_ms() &&
		    strcmp(b->auth->failed[i].user, user) == 0) {
			errno = EPERM;
			return -1;
		}
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	/* Only PAM runs in the child, never nng (not fork-safe). */
	if ((c->pid = fork()) == 0) {
		close(p[0]);
		check_child(user, password, p[1]);
	}
	close(p[1]);
	if (c->pid < 0) {
		close(p[0]);
		return -1;
	}
	c->fd = p[0];
	c->deadline = now_mono_ms() + AUTH_CHECK_MS;
	c->from = *from;
	snprintf(c->user, sizeof(c->user), "%s", user);
	return 0;
}

size_t
auth_pollfds(struct broker *b, struct pollfd *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; b->auth != NULL && i < AUTH_CHECKS && n < max; i++)
		if (b->auth->checks[i].fd >= 0)
			out[n++] = (struct pollfd){ b->auth->checks[i].fd,
				POLLIN, 0 };
	return n;
}

/* A token for the account user, remembered. */
static uint64_t
remember(struct auth *a, const char *user)
{
	struct passwd *pw = getpwnam(user);
	struct token *t = &a->tokens[a->next++ % AUTH_TOKENS];

	if (pw == NULL || getrandom(&t->token, sizeof(t->token), 0) !=
	    sizeof(t->token) || t->token == 0)
		return 0;
	t->uid = pw->pw_uid;
	t->until = now_mono_ms() + AUTH_TTL_MS;
	snprintf(t->user, sizeof(t->user), "%s", pw->pw_name);
	return t->token;
}

int
auth_owns(const struct broker *b, pid_t pid)
{
	for (size_t i = 0; b->auth != NULL && i < AUTH_CHECKS; i++)
		if (b->auth->checks[i].fd >= 0 &&
		    b->auth->checks[i].pid == pid)
			return 1;
	return 0;
}

/* c is over (verdict rc, or a timeout): its answer, and the slot freed. */
static void
finish(struct broker *b, struct check *c, int rc, auth_done_fn done)
{
	uint64_t token = 0;

	close(c->fd);
	c->fd = -1;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	if (rc == PAM_SUCCESS) {
		token = remember(b->auth, c->user);
	} else {
		struct failed *f = &b->auth->failed[b->auth->next++ %
		    AUTH_CHECKS];
		snprintf(f->user, sizeof(f->user), "%s", c->user);
		f->until = now_mono_ms() + AUTH_RETRY_MS;
		log_warn("authentication of %s failed: %s", c->user,
		    rc < 0 ? "PAM took too long" : pam_strerror(NULL, rc));
	}
	done(b, &c->from, c->user, token);
}

void
auth_ready(struct broker *b, const struct pollfd *fds, size_t n,
    auth_done_fn done)
{
	for (size_t i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		for (size_t k = 0; k < AUTH_CHECKS; k++) {
			struct check *c = &b->auth->checks[k];
			int rc = PAM_SYSTEM_ERR;
			if (c->fd != fds[i].fd)
				continue;
			if (read(c->fd, &rc, sizeof(rc)) != sizeof(rc))
				rc = PAM_SYSTEM_ERR;
			finish(b, c, rc, done);
		}
	}
}

void
auth_tick(struct broker *b, uint64_t now, auth_done_fn done)
{
	for (size_t k = 0; b->auth != NULL && k < AUTH_CHECKS; k++)
		if (b->auth->checks[k].fd >= 0 &&
		    b->auth->checks[k].deadline <= now)
			finish(b, &b->auth->checks[k], -1, done);
}

int
auth_account(struct broker *b, uint64_t token, uid_t *uid, const char **user)
{
	uint64_t now = now_mono_ms();

	for (size_t i = 0; token != 0 && b->auth != NULL && i < AUTH_TOKENS;
	    i++) {
		struct token *t = &b->auth->tokens[i];
		if (t->token == token && t->until > now) {
			*uid = t->uid;
			*user = t->user;
			return 0;
		}
	}
	return -1;
}
