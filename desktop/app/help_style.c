// SPDX-License-Identifier: Apache-2.0
/*
 * help_style.c - follow the desktop's dark or light style. GTK 4.8 alone
 * does not: the preference lives in the XDG settings portal
 * (org.freedesktop.appearance color-scheme: 0 none, 1 dark, 2 light), and
 * on desktops without a portal in GSettings (org.gnome.desktop.interface
 * color-scheme). Both are read at start and followed while the app runs.
 * GTK_THEME set by the person wins over both (GTK applies it itself).
 * Must not: block start-up (the portal is asked asynchronously) or abort on
 * a missing GSettings schema.
 */
#include "help_style.h"

#include <string.h>

static GDBusProxy *portal;
static GSettings *gnome;

static void apply(gboolean dark)
{
	GtkSettings *s = gtk_settings_get_default();
	if (s)
		g_object_set(s, "gtk-application-prefer-dark-theme", dark, NULL);
}

/* The portal wraps its value in one or two variants depending on version.
 * Takes v. */
static void apply_portal_value(GVariant *v)
{
	while (v && g_variant_is_of_type(v, G_VARIANT_TYPE_VARIANT)) {
		GVariant *inner = g_variant_get_variant(v);
		g_variant_unref(v);
		v = inner;
	}
	if (v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
		apply(g_variant_get_uint32(v) == 1);
	if (v)
		g_variant_unref(v);
}

static void on_gnome_changed(GSettings *s, const char *key, gpointer data)
{
	char *scheme = g_settings_get_string(s, "color-scheme");
	apply(g_strcmp0(scheme, "prefer-dark") == 0);
	g_free(scheme);
}

static void follow_gsettings(void)
{
	GSettingsSchemaSource *src = g_settings_schema_source_get_default();
	GSettingsSchema *schema =
		src ? g_settings_schema_source_lookup(src, "org.gnome.desktop.interface", TRUE) : NULL;
	if (schema && g_settings_schema_has_key(schema, "color-scheme")) {
		gnome = g_settings_new("org.gnome.desktop.interface");
		g_signal_connect(gnome, "changed::color-scheme", G_CALLBACK(on_gnome_changed), NULL);
		on_gnome_changed(gnome, "color-scheme", NULL);
	}
	if (schema)
		g_settings_schema_unref(schema);
}

static void on_portal_signal(GDBusProxy *p, const char *sender, const char *signal,
			     GVariant *params, gpointer data)
{
	const char *ns, *key;
	GVariant *value;
	if (strcmp(signal, "SettingChanged") != 0 ||
	    !g_variant_is_of_type(params, G_VARIANT_TYPE("(ssv)")))
		return;
	g_variant_get(params, "(&s&sv)", &ns, &key, &value);
	if (strcmp(ns, "org.freedesktop.appearance") == 0 && strcmp(key, "color-scheme") == 0)
		apply_portal_value(value); /* takes value */
	else
		g_variant_unref(value);
}

static void on_portal_read(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *e = NULL;
	GVariant *r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &e);
	if (!r) {
		g_debug("no settings portal (%s): following GSettings", e->message);
		g_error_free(e);
		g_clear_object(&portal);
		follow_gsettings();
		return;
	}
	GVariant *v = NULL;
	g_variant_get(r, "(v)", &v);
	apply_portal_value(v);
	g_variant_unref(r);
	g_signal_connect(portal, "g-signal", G_CALLBACK(on_portal_signal), NULL);
}

static void on_portal_proxy(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *e = NULL;
	portal = g_dbus_proxy_new_for_bus_finish(res, &e);
	if (!portal) {
		g_debug("no session bus (%s): following GSettings", e->message);
		g_error_free(e);
		follow_gsettings();
		return;
	}
	g_dbus_proxy_call(portal, "Read", g_variant_new("(ss)", "org.freedesktop.appearance", "color-scheme"),
			  G_DBUS_CALL_FLAGS_NONE, 2000, NULL, on_portal_read, NULL);
}

void help_style_follow_desktop(void)
{
	if (g_getenv("GTK_THEME"))
		return;
	g_dbus_proxy_new_for_bus(G_BUS_TYPE_SESSION,
				 G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, NULL,
				 "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
				 "org.freedesktop.portal.Settings", NULL, on_portal_proxy, NULL);
}
