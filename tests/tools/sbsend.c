/*
 * sbsend: a hostile client for tests. Sends stdin, as is, as one request
 * on spoolboxd's client socket and prints the answer's error message (or
 * the body name). Usage: sbsend SOCKET < bytes
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "chan.h"

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	char url[4200], err[256];
	size_t n = fread(buf, 1, sizeof(buf), stdin);
	nng_socket s;
	nng_msg *m;
	sb_env *e;

	if (argc != 2)
		return 2;
	snprintf(url, sizeof(url), "ipc://%s", argv[1]);
	if (nng_req0_open(&s) != 0 || nng_dial(s, url, NULL, 0) != 0 ||
	    nng_msg_alloc(&m, n) != 0)
		return 1;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	for (size_t i = 0; i < n; i++)
		((char *)nng_msg_body(m))[i] = buf[i];
	if (nng_sendmsg(s, m, 0) != 0 || nng_recvmsg(s, &m, 0) != 0)
		return 1;
	e = chan_decode(m, err, sizeof(err));
	if (e == NULL) {
		printf("undecodable answer: %s\n", err);
		return 1;
	}
	if (e->body_case == SB__ENVELOPE__BODY_ERROR_REP)
		printf("error: %s\n", e->error_rep->message);
	else
		printf("%s\n", chan_body_name(e));
	chan_free(e);
	nng_msg_free(m);
	nng_close(s);
	return 0;
}
