// SPDX-License-Identifier: Apache-2.0
/*
 * help_style.h - dark or light as the desktop prefers (see help_style.c).
 */
#ifndef DESKTOP_HELP_STYLE_H
#define DESKTOP_HELP_STYLE_H

#include <gtk/gtk.h>

/* Call once after GTK is initialised (in "startup"). */
void help_style_follow_desktop(void);

#endif
