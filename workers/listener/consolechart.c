/*
 * consolechart: one worker slot's last hour as an SVG image, made here
 * from the broker's samples (SlotHistory): the value over time as a
 * line, the budget as a dashed line, each recycle or restart as a red
 * line with its number (the page lists them, newest first, with their
 * reasons; the image's <title> elements carry the reasons too).
 */
#include <inttypes.h>
#include <string.h>

#include "ippsrv.h"
#include "util.h"

#define W 480
#define H 160
#define X0 56
#define X1 (W - 10)
#define Y0 22
#define Y1 (H - 24)
#define SPAN_MS (3600 * 1000)

static double
x_of(int64_t at, int64_t now)
{
	double t = (double)(at - (now - SPAN_MS)) / SPAN_MS;

	return X0 + (t < 0 ? 0 : t > 1 ? 1 : t) * (X1 - X0);
}

static double
y_of(uint64_t v, uint64_t top)
{
	return Y1 - (double)(v > top ? top : v) / (double)top * (Y1 - Y0);
}

static void
label(uint64_t v, int handles, char *buf, size_t len)
{
	if (handles)
		snprintf(buf, len, "%" PRIu64, v);
	else
		format_human(v, buf, len);
}

/* The frame, the scale's top and the time axis. */
static void
frame(FILE *f, uint64_t top, int handles)
{
	char t[32];

	label(top, handles, t, sizeof(t));
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		   "fill=\"#fbfcfd\" stroke=\"#c5ccd3\"/>\n", X0, Y0, X1 - X0,
	    Y1 - Y0);
	fprintf(f, "<text x=\"%d\" y=\"14\" font-size=\"12\">%s</text>\n", X0,
	    handles ? "open handles" : "private bytes");
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		   "text-anchor=\"end\">%s</text>\n", X0 - 4, Y0 + 8, t);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		   "text-anchor=\"end\">0</text>\n", X0 - 4, Y1);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\">-60 min</text>\n"
		   "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		   "text-anchor=\"middle\">-30 min</text>\n"
		   "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		   "text-anchor=\"end\">now</text>\n",
	    X0, H - 8, (X0 + X1) / 2, H - 8, X1, H - 8);
}

void
chart_svg(FILE *f, const Sb__SlotHistory *h, int handles, int64_t now)
{
	uint64_t budget = handles ? h->handle_budget : h->memory_budget;
	uint64_t top = budget;
	char t[32];

	for (size_t i = 0; i < h->n_at; i++) {
		uint64_t v = handles ? h->fds[i] : h->private_bytes[i];
		if (v > top)
			top = v;
	}
	top = top + top / 10 + 1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		   "height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"sans-serif\">\n", W, H, W, H);
	frame(f, top, handles);
	if (budget > 0) {
		label(budget, handles, t, sizeof(t));
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			   "stroke=\"#8a5a00\" stroke-dasharray=\"6 4\"><title>"
			   "budget %s</title></line>\n", X0, y_of(budget, top),
		    X1, y_of(budget, top), t);
	}
	fputs("<polyline fill=\"none\" stroke=\"#1f5fa8\" "
	      "stroke-width=\"1.5\" points=\"", f);
	for (size_t i = 0; i < h->n_at; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", x_of(h->at[i], now),
		    y_of(handles ? h->fds[i] : h->private_bytes[i], top));
	fputs("\"/>\n", f);
	for (size_t i = 0; i < h->n_events; i++) {
		double x = x_of(h->events[i]->at, now);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			   "stroke=\"#c62828\"><title>", x, Y0, x, Y1);
		html_text(f, h->events[i]->what);
		fputs(": ", f);
		html_text(f, h->events[i]->reason);
		fprintf(f, "</title></line>\n<text x=\"%.1f\" y=\"%d\" "
			   "font-size=\"10\" fill=\"#c62828\" "
			   "text-anchor=\"middle\">%zu</text>\n", x, Y0 - 2,
		    i + 1);
	}
	if (h->n_at == 0)
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			   "text-anchor=\"middle\" fill=\"#777\">no samples "
			   "yet</text>\n", (X0 + X1) / 2, (Y0 + Y1) / 2);
	fputs("</svg>\n", f);
}
