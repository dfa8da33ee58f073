/*
 * ippserve: IPP server on libcups' HTTP/IPP server-side API.
 */
#define _GNU_SOURCE
#include "listener.h"

#include <cups/cups.h>
#include <cups/http.h>
#include <cups/ipp.h>

#include "log.h"

void *
ipp_accept(int listen_fd)
{
	return httpAcceptConnection(listen_fd, 0);
}

int
ipp_fd(void *http)
{
	return httpGetFd(http);
}

void
ipp_close(void *http)
{
	httpClose(http);
}

void
ipp_init(struct lsn *l)
{
	(void)l;
}

void
ipp_serve(struct conn *c, void *http)
{
	(void)c;
	httpClose(http);
}
