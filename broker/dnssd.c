/*
 * dnssd: the queues the listener serves, advertised by DNS-SD through
 * Avahi: _ipp._tcp (subtype _print; _universal too when the queue takes
 * Apple raster) unless TLS is required, _ipps._tcp when TLS is on,
 * _printer._tcp for LPD, each with the TXT keys of PWG 5100.14 and
 * Bonjour Printing 1.2. One entry group per queue, so a name that
 * collides is renamed alone.
 *
 * The broker talks to the system bus, not the listener: the listener
 * faces the network and its sandbox shows no files, the bus socket
 * included; the broker already holds what is advertised (queues,
 * listening addresses, TLS) and outlives the listener's recycles, so a
 * recycle withdraws nothing.
 *
 * Avahi runs in a thread of its own (AvahiThreadedPoll); dnssd_update
 * hands it what to advertise under its lock, and it publishes whenever
 * the daemon is there: with none, the client waits for one to appear
 * (AVAHI_CLIENT_NO_FAIL), and one that goes away is waited for again.
 * Reports: advertising started, renamed, withdrawn; the daemon's
 * absence, once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>

#include "broker.h"

/* What one queue's records say; compared whole to see a change. */
struct ad {
	char queue[65];
	char name[64];          /* service name (renamed on a collision) */
	char pdl[256];          /* MIME types it takes, comma separated */
	char uuid[48];
	int duplex, color, urf, ptype, ipp, ipps;
	AvahiEntryGroup *group;
};

struct dnssd {
	AvahiThreadedPoll *poll;
	AvahiClient *client;
	struct ad *ads;
	size_t nads;
	uint16_t ipp_port, lpd_port;
	int ifindex;            /* AVAHI_IF_UNSPEC, or lo's: loopback only */
	int tls;
	int said_absent;
};

static void publish(struct dnssd *d);

/* The port of the first [listener] address of proto, and whether it is
 * a loopback one; 0 when there is none. */
static uint16_t
listen_port(const struct sb_config *c, const char *proto, int *loopback)
{
	for (size_t i = 0; i < c->nlisten; i++) {
		const struct sockaddr_storage *ss = &c->listen[i].ss;
		if (strcmp(c->listen[i].proto, proto) != 0)
			continue;
		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)ss;
			*loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
			return ntohs(a->sin_port);
		}
		if (ss->ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)ss;
			*loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
			return ntohs(a->sin6_port);
		}
	}
	return 0;
}

static void
ad_of(const struct sb_config *c, const struct sb_queue *q, struct ad *a)
{
	const char *m[DATATYPE_NMIMES];
	size_t n = datatype_mimes_taken(q->datatype, m);

	memset(a, 0, sizeof(*a));
	snprintf(a->queue, sizeof(a->queue), "%s", q->name);
	snprintf(a->name, sizeof(a->name), "%.63s",
	    q->description[0] ? q->description : q->name);
	/* application/octet-stream (detect it) is no printer language. */
	for (size_t i = 1; i < n; i++)
		snprintf(a->pdl + strlen(a->pdl), sizeof(a->pdl) - strlen(a->pdl),
		    "%s%s", i > 1 ? "," : "", m[i]);
	snprintf(a->uuid, sizeof(a->uuid), "%s",
	    strncmp(q->uuid, "urn:uuid:", 9) == 0 ? q->uuid + 9 : q->uuid);
	a->duplex = strstr(sides_offered(q->sides_supported, q->uri),
	    "two-sided") != NULL;
	a->color = q->color;
	a->urf = datatype_taken(q->datatype, SB__DATA_TYPE__URF);
	a->ptype = queue_printer_type(sides_offered(q->sides_supported,
	    q->uri), q->color);
	a->ipp = c->lsn_tls != TLS_REQUIRED && !q->tls_required;
	a->ipps = c->lsn_tls != TLS_OFF;
}

/* The TXT record of an IPP service (PWG 5100.14 section 4.2, Bonjour
 * Printing 1.2). No printer-type: it marks a CUPS server's queue, and
 * driverless and cups-browsed pass over any service that has it; each
 * queue is offered as an IPP Everywhere printer, as PAPPL's are. */
static AvahiStringList *
ipp_txt(const struct dnssd *d, const struct ad *a, const char *host)
{
	AvahiStringList *t = NULL;

	t = avahi_string_list_add(t, "txtvers=1");
	t = avahi_string_list_add(t, "qtotal=1");
	t = avahi_string_list_add_printf(t, "rp=printers/%s", a->queue);
	t = avahi_string_list_add(t, "ty=spoolbox " SPOOLBOX_VERSION " queue");
	t = avahi_string_list_add_printf(t, "adminurl=%s://%s:%u/printers/%s",
	    d->tls ? "https" : "http", host, d->ipp_port, a->queue);
	t = avahi_string_list_add(t, "note=");
	t = avahi_string_list_add(t, "priority=0");
	t = avahi_string_list_add(t, "product=(spoolbox)");
	t = avahi_string_list_add_printf(t, "pdl=%s", a->pdl);
	t = avahi_string_list_add_printf(t, "UUID=%s", a->uuid);
	t = avahi_string_list_add_printf(t, "Color=%s", a->color ? "T" : "F");
	t = avahi_string_list_add_printf(t, "Duplex=%s", a->duplex ? "T" : "F");
	t = avahi_string_list_add(t, "Copies=T");
	t = avahi_string_list_add(t, "Transparent=T");
	t = avahi_string_list_add(t, "Binary=T");
	t = avahi_string_list_add(t, "kind=document");
	t = avahi_string_list_add(t, "PaperMax=legal-A4");
	t = avahi_string_list_add(t, a->urf ? "URF=W8,SRGB24,RS300-600"
					    : "URF=none");
	if (d->tls)
		t = avahi_string_list_add(t, "TLS=1.2");
	return t;
}

/* The LPD service's (Bonjour Printing 1.2, section 9): the queue name
 * as rp, and CUPS' printer-type. */
static AvahiStringList *
lpd_txt(const struct ad *a)
{
	AvahiStringList *t = NULL;

	t = avahi_string_list_add(t, "txtvers=1");
	t = avahi_string_list_add(t, "qtotal=1");
	t = avahi_string_list_add_printf(t, "rp=%s", a->queue);
	t = avahi_string_list_add(t, "ty=spoolbox " SPOOLBOX_VERSION " queue");
	t = avahi_string_list_add(t, "note=");
	t = avahi_string_list_add(t, "priority=50");
	t = avahi_string_list_add(t, "product=(spoolbox)");
	t = avahi_string_list_add_printf(t, "pdl=%s", a->pdl);
	t = avahi_string_list_add_printf(t, "UUID=%s", a->uuid);
	t = avahi_string_list_add_printf(t, "printer-type=0x%X", a->ptype);
	return t;
}

/* One service of a's group, with its subtypes; 0 or an Avahi error. */
static int
add_service(const struct dnssd *d, struct ad *a, const char *type,
    uint16_t port, AvahiStringList *txt, const char *const *subs)
{
	char sub[96];
	int rv;

	rv = avahi_entry_group_add_service_strlst(a->group, d->ifindex,
	    AVAHI_PROTO_UNSPEC, 0, a->name, type, NULL, NULL, port, txt);
	for (; rv == 0 && subs != NULL && *subs != NULL; subs++) {
		snprintf(sub, sizeof(sub), "%s._sub.%s", *subs, type);
		rv = avahi_entry_group_add_service_subtype(a->group, d->ifindex,
		    AVAHI_PROTO_UNSPEC, 0, a->name, type, NULL, sub);
	}
	avahi_string_list_free(txt);
	return rv;
}

static void group_cb(AvahiEntryGroup *g, AvahiEntryGroupState st, void *arg);

/* a's services into its group (made when it has none), committed. */
static void
publish_ad(struct dnssd *d, struct ad *a)
{
	static const char *const print[] = { "_print", NULL };
	static const char *const universal[] = { "_print", "_universal",
		NULL };
	/* Over loopback only, clients reach "localhost" (as CUPS says). */
	const char *host = d->ifindex == AVAHI_IF_UNSPEC
	    ? avahi_client_get_host_name_fqdn(d->client)
	    : "localhost";
	int rv = 0;

	if (a->group == NULL &&
	    (a->group = avahi_entry_group_new(d->client, group_cb, d)) == NULL) {
		log_warn("DNS-SD: %s: %s", a->queue,
		    avahi_strerror(avahi_client_errno(d->client)));
		return;
	}
	if (d->ipp_port != 0 && a->ipp)
		rv = add_service(d, a, "_ipp._tcp", d->ipp_port,
		    ipp_txt(d, a, host), a->urf ? universal : print);
	if (rv == 0 && d->ipp_port != 0 && a->ipps)
		rv = add_service(d, a, "_ipps._tcp", d->ipp_port,
		    ipp_txt(d, a, host), a->urf ? universal : print);
	if (rv == 0 && d->lpd_port != 0)
		rv = add_service(d, a, "_printer._tcp", d->lpd_port,
		    lpd_txt(a), NULL);
	if (rv == 0)
		rv = avahi_entry_group_commit(a->group);
	if (rv != 0)
		log_warn("DNS-SD: queue %s not advertised: %s", a->queue,
		    avahi_strerror(rv));
}

/* A name someone else has: the next one Avahi suggests ("Office #2"). */
static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState st, void *arg)
{
	struct dnssd *d = arg;
	struct ad *a = NULL;
	char *alt;

	for (size_t i = 0; i < d->nads; i++)
		if (d->ads[i].group == g)
			a = &d->ads[i];
	if (a == NULL)
		return;
	if (st == AVAHI_ENTRY_GROUP_ESTABLISHED) {
		log_info("DNS-SD: queue %s advertised as \"%s\"", a->queue,
		    a->name);
	} else if (st == AVAHI_ENTRY_GROUP_COLLISION) {
		alt = avahi_alternative_service_name(a->name);
		log_warn("DNS-SD: \"%s\" is taken on the network; queue %s "
		    "is advertised as \"%s\"", a->name, a->queue, alt);
		snprintf(a->name, sizeof(a->name), "%s", alt);
		avahi_free(alt);
		avahi_entry_group_reset(g);
		publish_ad(d, a);
	} else if (st == AVAHI_ENTRY_GROUP_FAILURE) {
		log_warn("DNS-SD: queue %s: %s", a->queue,
		    avahi_strerror(avahi_client_errno(d->client)));
	}
}

static void
publish(struct dnssd *d)
{
	if (d->client == NULL ||
	    avahi_client_get_state(d->client) != AVAHI_CLIENT_S_RUNNING)
		return;
	for (size_t i = 0; i < d->nads; i++)
		publish_ad(d, &d->ads[i]);
}

/* Every group withdrawn and freed (a client's end frees them too). */
static void
forget_groups(struct dnssd *d, int free_them)
{
	for (size_t i = 0; i < d->nads; i++) {
		if (free_them && d->ads[i].group != NULL)
			avahi_entry_group_free(d->ads[i].group);
		d->ads[i].group = NULL;
	}
}

static void avahi_state_cb(AvahiClient *c, AvahiClientState st, void *arg);

static void
connect_client(struct dnssd *d)
{
	int err = 0;

	d->client = avahi_client_new(avahi_threaded_poll_get(d->poll),
	    AVAHI_CLIENT_NO_FAIL, avahi_state_cb, d, &err);
	if (d->client == NULL)
		log_warn("DNS-SD: %s; queues are not advertised",
		    avahi_strerror(err));
}

/* The daemon went away: a new client waits for the next one. */
static void
reconnect(AvahiTimeout *t, void *arg)
{
	struct dnssd *d = arg;

	avahi_threaded_poll_get(d->poll)->timeout_free(t);
	forget_groups(d, 0);
	avahi_client_free(d->client);
	connect_client(d);
}

static void
avahi_state_cb(AvahiClient *c, AvahiClientState st, void *arg)
{
	struct dnssd *d = arg;
	const AvahiPoll *api = avahi_threaded_poll_get(d->poll);

	d->client = c; /* also while avahi_client_new has not returned */
	switch (st) {
	case AVAHI_CLIENT_S_RUNNING:
		d->said_absent = 0;
		publish(d);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host's own name changes: publish again once running. */
		for (size_t i = 0; i < d->nads; i++)
			if (d->ads[i].group != NULL)
				avahi_entry_group_reset(d->ads[i].group);
		break;
	case AVAHI_CLIENT_CONNECTING:
		if (!d->said_absent)
			log_info("DNS-SD: avahi-daemon is not running; queues "
			    "are advertised once it is");
		d->said_absent = 1;
		break;
	case AVAHI_CLIENT_FAILURE:
		log_warn("DNS-SD: %s; waiting for avahi-daemon",
		    avahi_strerror(avahi_client_errno(c)));
		d->said_absent = 1;
		api->timeout_new(api, &(struct timeval){ 0 }, reconnect, d);
		break;
	}
}

/* The same records, whatever their groups? */
static int
ads_differ(const struct ad *x, const struct ad *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&x[i], &y[i], offsetof(struct ad, group)) != 0)
			return 1;
	return 0;
}

void
dnssd_update(struct broker *b)
{
	const struct sb_config *c = &b->cfg;
	struct dnssd *d = b->dnssd;
	struct ad *ads = NULL;
	int lo_ipp = 0, lo_lpd = 0;
	uint16_t ipp = listen_port(c, "ipp", &lo_ipp);
	uint16_t lpd = listen_port(c, "lpd", &lo_lpd);
	size_t n = c->lsn_dnssd && (ipp != 0 || lpd != 0) ? c->nqueues : 0;

	if (n == 0 && d == NULL)
		return;
	if (d == NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL ||
		    (d->poll = avahi_threaded_poll_new()) == NULL)
			fatal("out of memory");
		b->dnssd = d;
		connect_client(d);
		avahi_threaded_poll_start(d->poll);
	}
	if (n > 0 && (ads = calloc(n, sizeof(*ads))) == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		ad_of(c, &c->queues[i], &ads[i]);
	avahi_threaded_poll_lock(d->poll);
	if (n != d->nads || ipp != d->ipp_port || lpd != d->lpd_port ||
	    d->tls != (c->lsn_tls != TLS_OFF) ||
	    ads_differ(ads, d->ads, n)) {
		if (d->nads > 0 && n == 0)
			log_info("DNS-SD: queues withdrawn");
		forget_groups(d, 1);
		free(d->ads);
		d->ads = ads;
		d->nads = n;
		ads = NULL;
		d->ipp_port = ipp;
		d->lpd_port = lpd;
		d->tls = c->lsn_tls != TLS_OFF;
		/* Loopback only when every address is. */
		d->ifindex = (ipp == 0 || lo_ipp) && (lpd == 0 || lo_lpd)
		    ? (int)if_nametoindex("lo")
		    : AVAHI_IF_UNSPEC;
		publish(d);
	}
	avahi_threaded_poll_unlock(d->poll);
	free(ads);
}

void
dnssd_stop(struct broker *b)
{
	struct dnssd *d = b->dnssd;

	if (d == NULL)
		return;
	avahi_threaded_poll_stop(d->poll);
	if (d->nads > 0 && d->client != NULL &&
	    avahi_client_get_state(d->client) == AVAHI_CLIENT_S_RUNNING)
		log_info("DNS-SD: queues withdrawn");
	/* Freeing the client withdraws what it published. */
	forget_groups(d, 1);
	if (d->client != NULL)
		avahi_client_free(d->client);
	avahi_threaded_poll_free(d->poll);
	free(d->ads);
	free(d);
	b->dnssd = NULL;
}
