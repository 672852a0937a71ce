/*
 * svg.c - bar charts and a timeline as SVG text (svg.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "svg.h"

#define W	720		/* viewBox width */
#define H	240
#define TW	900		/* the timeline's */
#define ML	64		/* margins: room for the y labels */
#define MR	12
#define MT	34		/* legend */
#define MB	40		/* x labels */

static void
xml_text(struct ad_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': ad_buf_adds(b, "&amp;"); break;
		case '<': ad_buf_adds(b, "&lt;"); break;
		case '>': ad_buf_adds(b, "&gt;"); break;
		case '"': ad_buf_adds(b, "&quot;"); break;
		default: ad_buf_addc(b, *s);
		}
}

/* 1, 2 or 5 times a power of ten, at least v (v > 0). */
static double
nice_ceil(double v)
{
	double p = 1;

	while (p * 10 < v)
		p *= 10;
	while (p > v && p > 1e-3)
		p /= 10;
	return (v <= p ? 1 : v <= 2 * p ? 2 : v <= 5 * p ? 5 : 10) * p;
}

static void
num_text(struct ad_buf *b, double v)
{
	if (v >= 1e9)
		ad_buf_printf(b, "%gG", v / 1e9);
	else if (v >= 1e6)
		ad_buf_printf(b, "%gM", v / 1e6);
	else if (v >= 1e4)
		ad_buf_printf(b, "%gk", v / 1e3);
	else
		ad_buf_printf(b, "%g", v);
}

static void
svg_open(struct ad_buf *b, const char *id, const char *title)
{
	ad_buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"plot\" viewBox=\"0 0 %d %d\" role=\"img\" id=\"", W, H);
	xml_text(b, id);
	ad_buf_adds(b, "\" aria-labelledby=\"");
	xml_text(b, id);
	ad_buf_adds(b, "-t\"><title id=\"");
	xml_text(b, id);
	ad_buf_adds(b, "-t\">");
	xml_text(b, title);
	ad_buf_adds(b, "</title>\n");
}

static void
legend(struct ad_buf *b, const char *const (*items)[2], size_t n)
{
	double x = ML;
	size_t i;

	for (i = 0; i < n; i++) {
		ad_buf_printf(b, "<rect x=\"%.0f\" y=\"10\" width=\"12\" "
		    "height=\"12\" fill=\"%s\"/><text x=\"%.0f\" y=\"20\" "
		    "class=\"lg\">", x, items[i][1], x + 16);
		xml_text(b, items[i][0]);
		ad_buf_adds(b, "</text>");
		x += 28 + 7.5 * (double)strlen(items[i][0]);
	}
	ad_buf_addc(b, '\n');
}

void
ad_svg_bars(struct ad_buf *out, const char *id, const char *title,
    const char *const *labels, size_t n, const struct ad_svg_series *s,
    size_t ns)
{
	const char *items[8][2];
	double max = 0, tot, ymax, bw, x, y, h, pw = W - ML - MR,
	    ph = H - MT - MB;
	size_t i, k, step;
	int t;

	for (i = 0; i < n; i++) {
		for (tot = 0, k = 0; k < ns; k++)
			tot += s[k].v[i];
		if (tot > max)
			max = tot;
	}
	svg_open(out, id, title);
	for (k = 0; k < ns && k < 8; k++) {
		items[k][0] = s[k].name;
		items[k][1] = s[k].color;
	}
	legend(out, (const char *const (*)[2])items, k);
	ymax = max > 0 ? nice_ceil(max) : 1;
	if (ymax < 2)		/* counts: no half ticks */
		ymax = 2;
	/* y axis: 0, half, top */
	for (t = 0; t <= 2; t++) {
		y = MT + ph - ph * t / 2.0;
		ad_buf_printf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
		    "y2=\"%.1f\" class=\"grid\"/><text x=\"%d\" y=\"%.1f\" "
		    "class=\"yl\">", ML, W - MR, y, y, ML - 6, y + 4);
		num_text(out, max > 0 ? ymax * t / 2 : 0);
		ad_buf_adds(out, "</text>\n");
	}
	if (n == 0 || max == 0) {
		ad_buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" class=\"none\">"
		    "%s</text>\n", ML + pw / 2, MT + ph / 2,
		    n == 0 ? "no days in the period" : "none in the period");
	}
	bw = n ? pw / (double)n : pw;
	step = n > 0 ? (n + 11) / 12 : 1;
	for (i = 0; i < n; i++) {
		x = ML + bw * (double)i;
		y = MT + ph;
		for (k = 0; k < ns; k++) {
			if (s[k].v[i] <= 0)
				continue;
			h = ph * s[k].v[i] / ymax;
			y -= h;
			ad_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			    "<title>", x + bw * 0.1, y, bw * 0.8,
			    h < 0.5 ? 0.5 : h, s[k].color);
			xml_text(out, labels[i]);
			ad_buf_adds(out, " ");
			xml_text(out, s[k].name);
			ad_buf_printf(out, ": %.0f</title></rect>", s[k].v[i]);
		}
		if (i % step == 0) {
			ad_buf_printf(out, "<text x=\"%.1f\" y=\"%d\" "
			    "class=\"xl\">", x + bw / 2, H - MB + 16);
			xml_text(out, labels[i]);
			ad_buf_adds(out, "</text>");
		}
		ad_buf_addc(out, '\n');
	}
	ad_buf_printf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
	    "class=\"axis\"/>\n</svg>\n", ML, W - MR, MT + (int)ph,
	    MT + (int)ph);
}

void
ad_svg_timeline(struct ad_buf *out, const char *id, const char *title,
    double from, double to, const struct ad_svg_span *spans, size_t n,
    const char *const *ticks, const double *tickpos, size_t nticks,
    const char *const (*lg)[2], size_t nlegend)
{
	/* wider than the bar charts: it spans the page, and its text
	 * keeps the size of theirs */
	double pw = TW - ML - MR, span = to > from ? to - from : 1, x0, x1;
	size_t i;

	ad_buf_adds(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"plot timeline\" viewBox=\"0 0 900 96\" role=\"img\" "
	    "id=\"");
	xml_text(out, id);
	ad_buf_adds(out, "\" aria-labelledby=\"");
	xml_text(out, id);
	ad_buf_adds(out, "-t\"><title id=\"");
	xml_text(out, id);
	ad_buf_adds(out, "-t\">");
	xml_text(out, title);
	ad_buf_adds(out, "</title>\n");
	legend(out, lg, nlegend);
	ad_buf_printf(out, "<rect x=\"%d\" y=\"34\" width=\"%.0f\" "
	    "height=\"28\" class=\"band\"/>\n", ML, pw);
	for (i = 0; i < n; i++) {
		x0 = ML + pw * (spans[i].from - from) / span;
		x1 = ML + pw * (spans[i].to - from) / span;
		if (x1 - x0 < 1)
			x1 = x0 + 1;
		ad_buf_printf(out, "<rect x=\"%.1f\" y=\"34\" width=\"%.1f\" "
		    "height=\"28\" fill=\"%s\"/>\n", x0, x1 - x0,
		    spans[i].color);
	}
	for (i = 0; i < nticks; i++) {
		x0 = ML + pw * (tickpos[i] - from) / span;
		ad_buf_printf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"62\" "
		    "y2=\"68\" class=\"axis\"/><text x=\"%.1f\" y=\"82\" "
		    "class=\"xl\">", x0, x0, x0);
		xml_text(out, ticks[i]);
		ad_buf_adds(out, "</text>\n");
	}
	ad_buf_adds(out, "</svg>\n");
}
