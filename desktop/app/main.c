// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - amt-help: "Request IT help" for the person at the keyboard.
 *
 *   amt-help [--request] [--socket PATH] [--config PATH]
 *   amt-help --version | --help
 *
 * A GtkApplication with one window (help_window.c). It talks only to the
 * amt-agent service's socket and never runs as root: the service's rules
 * decide what a user may do. A second start (a keyboard shortcut running
 * amt-help --request) reaches the running window instead of opening
 * another.
 * Must not: open /dev/mei*, or do anything the CLI could not do through
 * the socket.
 */
#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "help_config.h"
#include "help_style.h"
#include "help_window.h"

#ifndef AMT_VERSION
#define AMT_VERSION "0.0.0"
#endif
#ifndef HELP_LOCALEDIR
#define HELP_LOCALEDIR "/usr/local/share/locale"
#endif

static const GOptionEntry options[] = {
	{"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL},
	{"request", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Ask for help at once"), NULL},
	{"socket", 0, 0, G_OPTION_ARG_FILENAME, NULL,
	 N_("The amt-agent service's socket (default: as the agent's configuration says)"),
	 N_("PATH")},
	{"config", 0, 0, G_OPTION_ARG_FILENAME, NULL,
	 N_("The agent's configuration file to find the socket in"), N_("PATH")},
	{NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int on_local_options(GApplication *app, GVariantDict *opts, gpointer data)
{
	if (g_variant_dict_contains(opts, "version")) {
		printf("amt-help %s\n", AMT_VERSION);
		return 0;
	}
	if (geteuid() == 0 || getuid() == 0) {
		fprintf(stderr, "%s\n",
			_("amt-help: refusing to run as root — start it as the person who needs help; "
			  "the amt-agent service does the privileged work"));
		return 2;
	}
	return -1; /* go on: the primary instance gets the command line */
}

static int on_command_line(GApplication *app, GApplicationCommandLine *cl, gpointer data)
{
	GVariantDict *opts = g_application_command_line_get_options_dict(cl);
	gboolean request = g_variant_dict_contains(opts, "request");
	GList *wins = gtk_application_get_windows(GTK_APPLICATION(app));

	if (wins) {
		/* Already open: show it, and ask if --request says so. */
		gtk_window_present(wins->data);
		if (request)
			help_window_request(wins->data);
		return 0;
	}
	const char *socket = NULL, *config = NULL;
	char *from_config = NULL;
	g_variant_dict_lookup(opts, "socket", "^&ay", &socket);
	g_variant_dict_lookup(opts, "config", "^&ay", &config);
	if (!socket || !*socket)
		socket = from_config = help_socket_from_config(config);
	if (!socket) {
		g_application_command_line_printerr(cl, "amt-help: out of memory\n");
		return 1;
	}
	gtk_window_present(help_window_new(GTK_APPLICATION(app), socket, request));
	free(from_config);
	return 0;
}

/* Where the translations are: AMT_HELP_LOCALEDIR when set; else found from
 * the running binary (/proc/self/exe), as the agent finds its network
 * module: DIR/locale beside a build tree's amt-help, then DIR/../share/locale
 * where every install puts them, whatever PREFIX and DESTDIR were; else the
 * compiled-in PREFIX/share/locale. A directory counts when it holds this
 * program's catalogue for some language (LANG/LC_MESSAGES/amt-help.mo). */
static bool has_catalogue(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *lang;
	bool found = false;

	if (!d)
		return false;
	while (!found && (lang = g_dir_read_name(d))) {
		char *mo = g_build_filename(dir, lang, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

		found = g_file_test(mo, G_FILE_TEST_IS_REGULAR);
		g_free(mo);
	}
	g_dir_close(d);
	return found;
}

static char *locale_dir(void)
{
	const char *env = g_getenv("AMT_HELP_LOCALEDIR");
	char *self, *bindir, *tried[2];
	char *found = NULL;

	if (env && *env)
		return g_strdup(env);
	self = g_file_read_link("/proc/self/exe", NULL);
	if (self) {
		bindir = g_path_get_dirname(self);
		tried[0] = g_build_filename(bindir, "locale", NULL);
		tried[1] = g_build_filename(bindir, "..", "share", "locale", NULL);
		for (int i = 0; i < 2; i++) {
			if (!found && has_catalogue(tried[i]))
				found = tried[i];
			else
				g_free(tried[i]);
		}
		g_free(bindir);
		g_free(self);
	}
	return found ? found : g_strdup(HELP_LOCALEDIR);
}

static void on_startup(GApplication *app, gpointer data)
{
	g_set_application_name(_("Request IT help"));
	gtk_window_set_default_icon_name(HELP_APP_ID);
	help_style_follow_desktop();
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	char *dir = locale_dir();
	bindtextdomain(GETTEXT_PACKAGE, dir);
	g_free(dir);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	GtkApplication *app = gtk_application_new(HELP_APP_ID, G_APPLICATION_HANDLES_COMMAND_LINE);
	g_application_add_main_option_entries(G_APPLICATION(app), options);
	g_application_set_option_context_summary(
		G_APPLICATION(app), _("Ask your IT help desk to connect to this computer, through "
				      "the amt-agent service."));
	g_signal_connect(app, "handle-local-options", G_CALLBACK(on_local_options), NULL);
	g_signal_connect(app, "command-line", G_CALLBACK(on_command_line), NULL);
	g_signal_connect(app, "startup", G_CALLBACK(on_startup), NULL);
	int rc = g_application_run(G_APPLICATION(app), argc, argv);
	g_object_unref(app);
	return rc;
}
