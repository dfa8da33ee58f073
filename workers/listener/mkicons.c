/*
 * mkicons: the listener's printer-icons (IPP Everywhere: 48, 128 and
 * 512 pixels square PNGs), drawn with cairo at build time and written
 * as a C source of byte arrays (icons.c), so the listener serves them
 * with no file and no cairo of its own.
 * Usage: sb-mkicons OUT.c
 */
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static cairo_status_t
collect(void *arg, const unsigned char *data, unsigned int len)
{
	struct buf *b = arg;

	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			return CAIRO_STATUS_NO_MEMORY;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return CAIRO_STATUS_SUCCESS;
}

static void
box(cairo_t *c, double x, double y, double w, double h, double r, double g,
    double bl)
{
	cairo_rectangle(c, x, y, w, h);
	cairo_set_source_rgb(c, r, g, bl);
	cairo_fill_preserve(c);
	cairo_set_source_rgb(c, 0.1, 0.1, 0.1);
	cairo_stroke(c);
}

/* A printer on a 48-unit grid: sheet in, body, sheet out, a lamp. */
static void
draw(cairo_t *c, int px)
{
	cairo_scale(c, px / 48.0, px / 48.0);
	cairo_set_line_width(c, 1.5);
	box(c, 14, 4, 20, 16, 1, 1, 1);
	box(c, 5, 16, 38, 20, 0.35, 0.42, 0.5);
	cairo_move_to(c, 11, 29);
	cairo_line_to(c, 37, 29);
	cairo_stroke(c);
	box(c, 14, 29, 20, 15, 1, 1, 1);
	for (int y = 33; y <= 41; y += 4) {
		cairo_move_to(c, 17, y);
		cairo_line_to(c, 31, y);
	}
	cairo_set_line_width(c, 1);
	cairo_stroke(c);
	cairo_arc(c, 38, 21, 1.8, 0, 6.2832);
	cairo_set_source_rgb(c, 0.2, 0.8, 0.3);
	cairo_fill(c);
}

int
main(int argc, char **argv)
{
	static const int sizes[] = { 48, 128, 512 };
	FILE *out;

	if (argc != 2 || (out = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "usage: sb-mkicons OUT.c\n");
		return 2;
	}
	fprintf(out, "/* Made by sb-mkicons: printer-icons, PNG. */\n"
		     "#include <stddef.h>\n");
	for (size_t i = 0; i < 3; i++) {
		struct buf b = { 0 };
		cairo_surface_t *s = cairo_image_surface_create(
		    CAIRO_FORMAT_ARGB32, sizes[i], sizes[i]);
		cairo_t *c = cairo_create(s);
		draw(c, sizes[i]);
		cairo_destroy(c);
		if (cairo_surface_write_to_png_stream(s, collect, &b) !=
		    CAIRO_STATUS_SUCCESS) {
			fprintf(stderr, "sb-mkicons: cannot make a PNG\n");
			return 1;
		}
		cairo_surface_destroy(s);
		fprintf(out, "const unsigned char icon_%d[] = {", sizes[i]);
		for (size_t k = 0; k < b.n; k++)
			fprintf(out, "%s0x%02x,", k % 12 ? " " : "\n\t", b.p[k]);
		fprintf(out, "\n};\nconst size_t icon_%d_len = %zu;\n",
		    sizes[i], b.n);
		free(b.p);
	}
	return fclose(out) == 0 ? 0 : 1;
}
