/*
 * tls: the listener's certificate and private key. From the files
 * [listener] tls_cert and tls_key name, or, when neither is set, a
 * self-signed pair (ECDSA P-256, ten years, the host's name and
 * localhost) made at the first start in SPOOL/tls/, as CUPS makes one in
 * /etc/cups/ssl. The broker reads them; the listener gets them in its
 * Configure and keeps no file (its sandbox has none).
 * Reports: the pair it made, and why one could not be read or made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "broker.h"
#include "log.h"
#include "util.h"

/* A PEM file, whole (at most 64 KiB); NULL with errno. */
static char *
read_pem(const char *path)
{
	char *pem = calloc(1, 65537);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (pem == NULL || fd < 0 || (n = read(fd, pem, 65536)) <= 0) {
		int e = fd < 0 || pem == NULL ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		free(pem);
		errno = e;
		return NULL;
	}
	close(fd);
	return pem;
}

static int
write_pem(const char *path, const gnutls_datum_t *d, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, rv = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0)
		return -1;
	if (write_all(fd, d->data, d->size) == 0 && fsync(fd) == 0 &&
	    rename(tmp, path) == 0)
		rv = 0;
	close(fd);
	if (rv != 0)
		unlink(tmp);
	return rv;
}

/* A self-signed certificate for the host into crt, key (PEM). */
static int
make_pair(gnutls_datum_t *crt_pem, gnutls_datum_t *key_pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char serial[8];
	char host[256] = "localhost";
	time_t now = time(NULL);
	int rv;

	gethostname(host, sizeof(host) - 1);
	if (getrandom(serial, sizeof(serial), 0) != sizeof(serial))
		return -1;
	serial[0] &= 0x7f; /* a positive number */
	rv = gnutls_x509_privkey_init(&key);
	if (rv == 0)
		rv = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (rv == 0)
		rv = gnutls_x509_crt_init(&crt);
	if (rv == 0)
		rv = gnutls_x509_crt_set_version(crt, 3) |
		    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) |
		    gnutls_x509_crt_set_activation_time(crt, now - 3600) |
		    gnutls_x509_crt_set_expiration_time(crt,
			now + 10 * 365 * 86400L) |
		    gnutls_x509_crt_set_dn_by_oid(crt,
			GNUTLS_OID_X520_COMMON_NAME, 0, host, strlen(host)) |
		    gnutls_x509_crt_set_subject_alt_name(crt,
			GNUTLS_SAN_DNSNAME, host, strlen(host),
			GNUTLS_FSAN_APPEND) |
		    gnutls_x509_crt_set_subject_alt_name(crt,
			GNUTLS_SAN_DNSNAME, "localhost", 9,
			GNUTLS_FSAN_APPEND) |
		    gnutls_x509_crt_set_key(crt, key) |
		    gnutls_x509_crt_set_key_purpose_oid(crt,
			GNUTLS_KP_TLS_WWW_SERVER, 0) |
		    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (rv == 0)
		rv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, crt_pem);
	if (rv == 0)
		rv = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
		    key_pem);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rv == 0 ? 0 : -1;
}

/* SPOOL/tls/spoolbox.{crt,key}: made once, read ever after. */
static int
own_pair(struct broker *b, char *crt, char *key, size_t len, char *err,
    size_t errlen)
{
	gnutls_datum_t c = { NULL, 0 }, k = { NULL, 0 };
	char dir[PATH_MAX];
	int rv = 0;

	/* spool_dir is shorter than PATH_MAX - 64 (config.c). */
	snprintf(dir, sizeof(dir), "%.4000s/tls", b->cfg.spool_dir);
	snprintf(crt, len, "%.4000s/spoolbox.crt", dir);
	snprintf(key, len, "%.4000s/spoolbox.key", dir);
	if (access(crt, F_OK) == 0 && access(key, F_OK) == 0)
		return 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return fail_why(err, errlen, "%s: %s", dir, strerror(errno));
	if (make_pair(&c, &k) != 0 || write_pem(key, &k, 0600) != 0 ||
	    write_pem(crt, &c, 0644) != 0 || fsync_dir(dir) != 0)
		rv = fail_why(err, errlen, "%s: a self-signed pair could not "
		    "be made: %s", dir, strerror(errno));
	else
		log_info("listener: made a self-signed TLS certificate, %s",
		    crt);
	gnutls_free(c.data);
	gnutls_free(k.data);
	return rv;
}

int
tls_load(struct broker *b, char *err, size_t errlen)
{
	char crt[PATH_MAX], key[PATH_MAX];

	free(b->tls_cert_pem);
	free(b->tls_key_pem);
	b->tls_cert_pem = b->tls_key_pem = NULL;
	if (b->cfg.lsn_tls == TLS_OFF || b->cfg.nlisten == 0)
		return 0;
	if (b->cfg.lsn_tls_cert[0] != '\0') {
		snprintf(crt, sizeof(crt), "%s", b->cfg.lsn_tls_cert);
		snprintf(key, sizeof(key), "%s", b->cfg.lsn_tls_key);
	} else if (own_pair(b, crt, key, sizeof(crt), err, errlen) != 0) {
		return -1;
	}
	if ((b->tls_cert_pem = read_pem(crt)) == NULL)
		return fail_why(err, errlen, "[listener] tls_cert %s: %s", crt,
		    strerror(errno));
	if ((b->tls_key_pem = read_pem(key)) == NULL)
		return fail_why(err, errlen, "[listener] tls_key %s: %s", key,
		    strerror(errno));
	return 0;
}
