/*
 * sb-pixdiff: how far apart two renderings of a page are: two binary
 * greyscale PGMs (P5, 8-bit, as Ghostscript's pgmraw writes them),
 * compared pixel by pixel over the area they share, B shifted by up to 3
 * pixels each way for the best match (a page centered on paper a little
 * larger moves by a point or two). Prints the least mean absolute
 * difference (0 the same, 255 black against white); pages whose sizes
 * differ by more than 3% print 255.
 * Usage: sb-pixdiff A.pgm B.pgm
 */
#include <stdio.h>
#include <stdlib.h>

/* The next number of a PGM header, past blanks and # comments; -1. */
static long
number(FILE *f)
{
	long v;
	int c;

	while ((c = fgetc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '#')
		if (c == '#')
			while ((c = fgetc(f)) != '\n' && c != EOF)
				;
	if (c == EOF || ungetc(c, f) == EOF || fscanf(f, "%ld", &v) != 1)
		return -1;
	return v;
}

/* A PGM's size and pixels (malloc'd), or NULL. */
static unsigned char *
load(const char *path, long *w, long *h)
{
	FILE *f = fopen(path, "rb");
	unsigned char *px = NULL;
	long max;

	if (f == NULL || fgetc(f) != 'P' || fgetc(f) != '5' ||
	    (*w = number(f)) < 0 || (*h = number(f)) < 0 ||
	    (max = number(f)) < 0 ||
	    max != 255 || fgetc(f) == EOF || *w <= 0 || *h <= 0 ||
	    *w > 20000 || *h > 20000 ||
	    (px = malloc((size_t)(*w * *h))) == NULL ||
	    fread(px, 1, (size_t)(*w * *h), f) != (size_t)(*w * *h)) {
		free(px);
		px = NULL;
	}
	if (f != NULL)
		fclose(f);
	return px;
}

int
main(int argc, char **argv)
{
	long wa, ha, wb, hb;
	unsigned char *a, *b;
	double sum = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: sb-pixdiff A.pgm B.pgm\n");
		return 2;
	}
	a = load(argv[1], &wa, &ha);
	b = load(argv[2], &wb, &hb);
	if (a == NULL || b == NULL) {
		fprintf(stderr, "sb-pixdiff: not an 8-bit binary PGM\n");
		return 2;
	}
	long w = wa < wb ? wa : wb, h = ha < hb ? ha : hb;
	if (labs(wa - wb) * 100 > 3 * w || labs(ha - hb) * 100 > 3 * h) {
		puts("255");
		return 0;
	}
	double best = 255;
	for (long dy = -3; dy <= 3; dy++)
		for (long dx = -3; dx <= 3; dx++) {
			long n = 0;
			sum = 0;
			for (long y = 3; y < h - 3; y++)
				for (long x = 3; x < w - 3; x++, n++)
					sum += abs(a[y * wa + x] -
					    b[(y + dy) * wb + x + dx]);
			if (n > 0 && sum / (double)n < best)
				best = sum / (double)n;
		}
	printf("%.2f\n", best);
	free(a);
	free(b);
	return 0;
}
