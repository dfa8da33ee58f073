/*
 * fuzz_ippresp: libFuzzer target for IPP answers as the remote provider
 * reads them: the input is a response body from a printer (hostile or
 * broken), decoded by libcups as cupsDoRequest() does, then read by
 * ipp_printer_read() (Get-Printer-Attributes), ipp_job_state()
 * (Get-Job-Attributes), ipp_printer_describe() and ipp_takes(), and by
 * caps_read() (what the printer can do), whose PrinterCaps must pass
 * chan_validate() as the broker checks it. None of it may read or write
 * out of bounds or leak (ASan, UBSan).
 * Build: cmake -DSPOOLBOX_FUZZ=ON with clang; run: fuzz_ippresp -max_total_time=N.
 */
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "ipp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What caps_read makes of resp is what the broker takes. */
static void
caps_checked(ipp_t *resp)
{
	Sb__PrinterCaps c = SB__PRINTER_CAPS__INIT;
	char err[256];
	sb_env e;

	caps_read(resp, &c);
	c.token = 1;
	c.queue = (char *)"q";
	chan_env_init(&e);
	e.body_case = SB__ENVELOPE__BODY_PRINTER_CAPS;
	e.printer_caps = &c;
	if (chan_validate(&e, err, sizeof(err)) != 0)
		abort();
	caps_free(&c);
}

struct src {
	const uint8_t *p;
	size_t left;
};

static ssize_t
from_buf(void *ctx, ipp_uchar_t *buf, size_t len)
{
	struct src *s = ctx;
	size_t n = len < s->left ? len : s->left;

	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = { data, size };
	struct ipp_printer p;
	ipp_t *resp = ippNew();
	char buf[512];

	if (ippReadIO(&s, from_buf, 1, NULL, resp) == IPP_STATE_DATA) {
		ipp_printer_read(resp, &p);
		ipp_printer_describe(&p, buf, sizeof(buf));
		(void)ipp_takes(&p, "application/pdf");
		(void)ipp_job_state_name(ipp_job_state(resp));
		caps_checked(resp);
	}
	ippDelete(resp);
	return 0;
}
