/*
 * svg.h - the plots of `audrift report`, drawn as inline SVG by audrift
 * itself (there is no plotting library among its dependencies, and the
 * report must fetch nothing).  Pure: numbers in, SVG text out.
 *
 * Text given here (titles, labels, series names) is audrift's own (dates,
 * severity names), escaped for XML anyway.
 */
#ifndef AUDRIFT_SVG_H
#define AUDRIFT_SVG_H

#include <stddef.h>

#include "util.h"

struct ad_svg_series {
	const char *name;	/* legend */
	const char *color;	/* CSS color */
	const double *v;	/* one value per bar */
};

/*
 * A bar chart of n bars (labels[i] under bar i, thinned to fit), the
 * series stacked from the first.  id names the SVG element and its title
 * (aria-labelledby).  No bars, or all zero: an empty axis that says so.
 */
void ad_svg_bars(struct ad_buf *out, const char *id, const char *title,
    const char *const *labels, size_t n, const struct ad_svg_series *s,
    size_t ns);

/* A span of a timeline, in the same unit as the axis. */
struct ad_svg_span {
	double from, to;
	const char *color;
};

/* A band of spans over [from, to], ticks[i] at tickpos[i]; a legend of
 * nlegend (name, color) pairs. */
void ad_svg_timeline(struct ad_buf *out, const char *id, const char *title,
    double from, double to, const struct ad_svg_span *spans, size_t n,
    const char *const *ticks, const double *tickpos, size_t nticks,
    const char *const (*legend)[2], size_t nlegend);

#endif
