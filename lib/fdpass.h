/*
 * fdpass: the descriptor side channel. nng cannot carry file descriptors,
 * so bulk data moves by descriptor over an AF_UNIX SOCK_SEQPACKET socket
 * beside each nng channel: one message = an 8-byte tag + one fd
 * (SCM_RIGHTS). The tag says what the fd is for: a dispatch's token (job
 * data to deliver or convert) or a request's id (a file a client
 * submits). Control stays on nng; the nng message that needs the fd is
 * always sent after it, so the receiver finds the fd waiting.
 *
 * Who holds which end: each worker process gets its end as fd 3 at exec
 * (WORKER_FDCHAN), the broker keeps the other; clients connect to
 * RUNTIME/spoolbox-fd.sock (broker/fdgate.c).
 */
#ifndef SB_FDPASS_H
#define SB_FDPASS_H

#include <stdint.h>

#define WORKER_FDCHAN 3

/* A zygote's requests on its fd 3 (lib/worker.c): the next process's
 * memory cgroup.procs (optional), then its descriptor channel, tagged
 * with the number in its nng channel's name (sock%x). */
#define ZYGOTE_CGROUP 0x5a47000000000001ULL
#define ZYGOTE_SPAWN 0x5a47000000000100ULL /* | the channel's number */

/* Send fd with tag on sock; 0 or -1 with errno. fd stays the caller's. */
int fdpass_send(int sock, uint64_t tag, int fd);

/*
 * Receive one tagged fd (close-on-exec) within timeout_ms (-1: wait, 0:
 * do not). 0 with *tag and *fd; -1 with errno (EAGAIN: none in time,
 * EPROTO: a message without exactly one fd).
 */
int fdpass_recv(int sock, uint64_t *tag, int *fd, int timeout_ms);

/* Receive the fd tagged want; fds with other tags are closed (they
 * belong to something that ended). -1 with errno when none comes. */
int fdpass_recv_tag(int sock, uint64_t want, int timeout_ms);

#endif
