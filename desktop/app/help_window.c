// SPDX-License-Identifier: Apache-2.0
/*
 * help_window.c - amt-help's window (see help_window.h). A GtkStack holds
 * one page per kind of state; render() shows the model. Every request runs
 * through help_client on the main loop, so the window never blocks; each
 * keeps a reference on the window and is ignored once the window closed.
 *
 * Closing the window while a request or a session is open ends it first
 * (as Cancel / End help session do) and closes once the service answered:
 * a session nobody can see is not left open.
 */
#include "help_window.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "help_client.h"
#include "help_i18n.h"
#include "help_model.h"

#define INFO_TIMEOUT_S 30
#define CLOSE_TIMEOUT_S 30
#define REQUEST_TIMEOUT_S (HELP_REQUEST_WAIT_S + 30)

struct hw {
	GtkWindow *win;
	char *socket;
	struct help_model m;
	GCancellable *inflight;
	guint tick_id, pulse_id;
	gboolean closed, quit_when_idle;

	GtkStack *stack;
	GtkLabel *notice;
	GtkLabel *work_label;
	GtkLabel *ready_title, *ready_desk;
	GtkWidget *request_btn;
	GtkLabel *unav_title, *unav_todo;
	GtkWidget *unav_btn;
	GtkProgressBar *progress;
	GtkLabel *elapsed;
	GtkWidget *cancel_btn;
	GtkLabel *conn_title, *conn_since, *conn_desk, *conn_note;
	GtkWidget *end_btn;
	GtkLabel *fail_title, *fail_todo, *fail_detail;
	GtkWidget *retry_btn;
};

struct pending {
	GtkWindow *win; /* a reference */
	enum help_action op;
};

static struct hw *hw_of(GtkWindow *w)
{
	return g_object_get_data(G_OBJECT(w), "amt-help");
}

static void render(struct hw *hw);
static void act(struct hw *hw, enum help_action a);

/* ---- requests ---- */

static void on_answer(GObject *src, GAsyncResult *res, gpointer data)
{
	struct pending *p = data;
	struct hw *hw = hw_of(p->win);
	struct help_reply r;
	help_client_call_finish(res, &r);
	if (hw && !hw->closed) {
		if (r.transport != HELP_T_OK && r.transport != HELP_T_CANCELLED)
			g_message("%s: %s", help_state_name(hw->m.state), r.why ? r.why : "no answer");
		struct help_answer a = help_reply_answer(&r);
		act(hw, help_model_answer(&hw->m, p->op, &a, time(NULL)));
	}
	help_reply_clear(&r);
	g_object_unref(p->win);
	g_free(p);
}

static void act(struct hw *hw, enum help_action a)
{
	char wait[16];
	const char *info[] = {"info", "--json", NULL};
	const char *request[] = {"call-for-help", "--wait", wait, "--json", NULL};
	const char *close[] = {"call-for-help", "--close", "--json", NULL};
	const char *const *argv = info;
	unsigned timeout = INFO_TIMEOUT_S;

	if (a != HELP_DO_NOTHING) {
		snprintf(wait, sizeof(wait), "%d", HELP_REQUEST_WAIT_S);
		if (a == HELP_DO_REQUEST) {
			argv = request;
			timeout = REQUEST_TIMEOUT_S;
		} else if (a == HELP_DO_CLOSE) {
			argv = close;
			timeout = CLOSE_TIMEOUT_S;
		}
		struct pending *p = g_new0(struct pending, 1);
		p->win = g_object_ref(hw->win);
		p->op = a;
		g_clear_object(&hw->inflight);
		hw->inflight = g_cancellable_new();
		help_client_call_async(hw->socket, argv, timeout, hw->inflight, on_answer, p);
	}
	render(hw);
	if (hw->quit_when_idle && hw->m.pending == HELP_DO_NOTHING) {
		hw->closed = TRUE;
		gtk_window_destroy(hw->win);
	}
}

/* ---- the person's actions ---- */

static void on_request(GtkButton *b, gpointer data)
{
	struct hw *hw = data;
	act(hw, help_model_request(&hw->m, time(NULL)));
}

static void on_cancel(GtkButton *b, gpointer data)
{
	struct hw *hw = data;
	if (!help_model_can_cancel(&hw->m))
		return;
	/* Drop the waiting request first; the model then closes the call. */
	if (hw->inflight)
		g_cancellable_cancel(hw->inflight);
	act(hw, help_model_cancel(&hw->m));
}

static void on_end(GtkButton *b, gpointer data)
{
	struct hw *hw = data;
	act(hw, help_model_end(&hw->m));
}

static void on_retry(GtkButton *b, gpointer data)
{
	struct hw *hw = data;
	act(hw, help_model_retry(&hw->m));
}

static gboolean on_escape(GtkWidget *w, GVariant *args, gpointer data)
{
	struct hw *hw = data;
	if (!help_model_can_cancel(&hw->m))
		return FALSE;
	on_cancel(NULL, hw);
	return TRUE;
}

void help_window_request(GtkWindow *w)
{
	struct hw *hw = hw_of(w);
	if (hw && help_model_can_request(&hw->m))
		on_request(NULL, hw);
}

static gboolean on_close_request(GtkWindow *w, gpointer data)
{
	struct hw *hw = data;
	enum help_action a = HELP_DO_NOTHING;
	if (help_model_can_cancel(&hw->m)) {
		if (hw->inflight)
			g_cancellable_cancel(hw->inflight);
		a = help_model_cancel(&hw->m);
	} else if (help_model_can_end(&hw->m)) {
		a = help_model_end(&hw->m);
	}
	if (a == HELP_DO_NOTHING && hw->m.state != HELP_ST_CANCELLING &&
	    hw->m.state != HELP_ST_ENDING) {
		hw->closed = TRUE;
		if (hw->inflight)
			g_cancellable_cancel(hw->inflight);
		return FALSE; /* nothing open: close now */
	}
	hw->quit_when_idle = TRUE;
	act(hw, a);
	return TRUE;
}

/* ---- timers ---- */

static gboolean on_pulse(gpointer data)
{
	struct hw *hw = data;
	gtk_progress_bar_pulse(hw->progress);
	return G_SOURCE_CONTINUE;
}

static gboolean on_tick(gpointer data)
{
	struct hw *hw = data;
	act(hw, help_model_tick(&hw->m, time(NULL)));
	return G_SOURCE_CONTINUE;
}

/* ---- rendering ---- */

static void set_text(GtkLabel *l, const char *s)
{
	if (g_strcmp0(gtk_label_get_text(l), s) != 0)
		gtk_label_set_text(l, s);
	gtk_widget_set_visible(GTK_WIDGET(l), s && *s);
}

static const char *notice_text(enum help_notice n)
{
	switch (n) {
	case HELP_NOTE_CANCELLED:
		return _("The request was cancelled.");
	case HELP_NOTE_ENDED:
		return _("The help session has ended.");
	case HELP_NOTE_ENDED_BY_DESK:
		return _("Your help desk ended the help session.");
	default:
		return "";
	}
}

/* Only the current page is visible: hidden pages are hidden from assistive
 * technology too (GTK 4.8 exposes a stack's other pages as visible). */
static void show_page(struct hw *hw, const char *page, GtkWidget *main_button)
{
	gboolean changed = g_strcmp0(gtk_stack_get_visible_child_name(hw->stack), page) != 0;
	GtkWidget *current = gtk_stack_get_child_by_name(hw->stack, page);
	gtk_widget_set_visible(current, TRUE);
	gtk_stack_set_visible_child(hw->stack, current);
	for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(hw->stack)); c;
	     c = gtk_widget_get_next_sibling(c))
		if (c != current)
			gtk_widget_set_visible(c, FALSE);
	if (changed && main_button) {
		gtk_window_set_default_widget(hw->win, main_button);
		gtk_widget_grab_focus(main_button);
	}
}

static void render(struct hw *hw)
{
	const struct help_model *m = &hw->m;
	char buf[256], line[512];
	struct help_sentence s;
	time_t now = time(NULL);

	set_text(hw->notice, m->state == HELP_ST_READY || m->state == HELP_ST_UNAVAILABLE ||
				     m->state == HELP_ST_CHECKING
			     ? notice_text(m->notice)
			     : "");
	if (m->state != HELP_ST_REQUESTING && hw->pulse_id) {
		g_source_remove(hw->pulse_id);
		hw->pulse_id = 0;
	}
	switch (m->state) {
	case HELP_ST_CHECKING:
	case HELP_ST_CANCELLING:
	case HELP_ST_ENDING:
		set_text(hw->work_label, m->state == HELP_ST_CHECKING ? _("Checking what this computer can do…")
					 : m->state == HELP_ST_CANCELLING ? _("Cancelling the request…")
									  : _("Ending the help session…"));
		show_page(hw, "working", NULL);
		break;
	case HELP_ST_READY:
		set_text(hw->ready_title, help_ready_headline(&m->info));
		if (m->help_desk[0]) {
			/* TRANSLATORS: %s is the help desk's server name */
			snprintf(line, sizeof(line), _("Help desk: %s"), m->help_desk);
			set_text(hw->ready_desk, line);
		} else {
			set_text(hw->ready_desk, "");
		}
		gtk_widget_set_sensitive(hw->request_btn, help_model_can_request(m));
		show_page(hw, "ready", hw->request_btn);
		break;
	case HELP_ST_UNAVAILABLE:
		s = help_block_sentence(m->block);
		set_text(hw->unav_title, s.what);
		set_text(hw->unav_todo, s.todo);
		show_page(hw, "unavailable", hw->unav_btn);
		break;
	case HELP_ST_REQUESTING:
		help_format_elapsed(buf, sizeof(buf), (long)(now - m->started));
		/* TRANSLATORS: %s is the time waited so far, such as 0:12 */
		snprintf(line, sizeof(line), _("Waiting for %s"), buf);
		set_text(hw->elapsed, line);
		if (!hw->pulse_id)
			hw->pulse_id = g_timeout_add(150, on_pulse, hw);
		show_page(hw, "requesting", hw->cancel_btn);
		break;
	case HELP_ST_CONNECTED:
	case HELP_ST_ALERTED:
		set_text(hw->conn_title, m->state == HELP_ST_CONNECTED
						 ? _("Your help desk can now reach this computer.")
						 : _("Your help desk has been alerted."));
		set_text(hw->conn_note,
			 m->state == HELP_ST_CONNECTED
				 ? _("They can work on this computer until you end the help session.")
				 : _("They will contact you. End the help session when you no longer need help."));
		help_format_since(line, sizeof(line), m->since, now);
		set_text(hw->conn_since, line);
		if (m->state == HELP_ST_CONNECTED && m->help_desk[0]) {
			snprintf(line, sizeof(line), _("Help desk: %s"), m->help_desk);
			set_text(hw->conn_desk, line);
		} else {
			set_text(hw->conn_desk, "");
		}
		show_page(hw, "connected", hw->end_btn);
		break;
	case HELP_ST_FAILED:
	case HELP_ST_NO_SERVICE:
		set_text(hw->fail_title, m->failure.what);
		set_text(hw->fail_todo, m->failure.todo);
		set_text(hw->fail_detail, m->detail);
		show_page(hw, "failed", hw->retry_btn);
		break;
	}
}

/* ---- building ---- */

static GtkLabel *label(GtkBox *box, const char *css)
{
	GtkWidget *l = gtk_label_new(NULL);
	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_max_width_chars(GTK_LABEL(l), 46);
	gtk_label_set_justify(GTK_LABEL(l), GTK_JUSTIFY_CENTER);
	if (css)
		gtk_widget_add_css_class(l, css);
	gtk_widget_set_visible(l, FALSE); /* until set_text gives it words */
	gtk_box_append(box, l);
	return GTK_LABEL(l);
}

static GtkWidget *button(GtkBox *box, const char *mnemonic, const char *description,
			 const char *css, GCallback cb, struct hw *hw)
{
	GtkWidget *b = gtk_button_new_with_mnemonic(mnemonic);
	gtk_widget_set_halign(b, GTK_ALIGN_CENTER);
	gtk_widget_set_margin_top(b, 12);
	if (css)
		gtk_widget_add_css_class(b, css);
	gtk_widget_add_css_class(b, "pill");
	/* GTK 4.8 names a button by its "label" property (with the mnemonic
	 * underscore) and its label child together ("_Request help Request
	 * help"): the child alone names it, as it reads on screen. */
	gtk_accessible_reset_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL);
	gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
				       description, -1);
	g_signal_connect(b, "clicked", cb, hw);
	gtk_box_append(box, b);
	return b;
}

static GtkBox *page(struct hw *hw, const char *name)
{
	GtkWidget *b = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	gtk_widget_set_valign(b, GTK_ALIGN_CENTER);
	gtk_stack_add_named(hw->stack, b, name);
	return GTK_BOX(b);
}

static void build(struct hw *hw)
{
	GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkBox *p;

	gtk_widget_set_margin_top(outer, 24);
	gtk_widget_set_margin_bottom(outer, 24);
	gtk_widget_set_margin_start(outer, 32);
	gtk_widget_set_margin_end(outer, 32);
	GtkWidget *icon = gtk_image_new_from_icon_name(HELP_APP_ID);
	gtk_image_set_pixel_size(GTK_IMAGE(icon), 64);
	gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
				       _("Request IT help"), -1);
	gtk_box_append(GTK_BOX(outer), icon);
	hw->notice = label(GTK_BOX(outer), "heading");
	hw->stack = GTK_STACK(gtk_stack_new());
	gtk_stack_set_transition_type(hw->stack, GTK_STACK_TRANSITION_TYPE_NONE);
	gtk_widget_set_vexpand(GTK_WIDGET(hw->stack), TRUE);
	gtk_box_append(GTK_BOX(outer), GTK_WIDGET(hw->stack));

	p = page(hw, "working");
	GtkWidget *spin = gtk_spinner_new();
	gtk_spinner_start(GTK_SPINNER(spin));
	gtk_widget_set_size_request(spin, 32, 32);
	gtk_box_append(p, spin);
	hw->work_label = label(p, NULL);

	p = page(hw, "ready");
	hw->ready_title = label(p, "title-4");
	hw->ready_desk = label(p, "caption");
	set_text(label(p, "dim-label"), help_privacy_sentence());
	hw->request_btn = button(p, _("_Request help"),
				 _("Ask your IT help desk to connect to this computer"),
				 "suggested-action", G_CALLBACK(on_request), hw);

	p = page(hw, "unavailable");
	hw->unav_title = label(p, "title-4");
	hw->unav_todo = label(p, NULL);
	hw->unav_btn = button(p, _("C_heck again"), _("Read this computer's settings again"),
			      NULL, G_CALLBACK(on_retry), hw);

	p = page(hw, "requesting");
	set_text(label(p, "title-4"), _("Asking your help desk to connect…"));
	hw->progress = GTK_PROGRESS_BAR(gtk_progress_bar_new());
	gtk_progress_bar_set_pulse_step(hw->progress, 0.08);
	gtk_accessible_update_property(GTK_ACCESSIBLE(hw->progress),
				       GTK_ACCESSIBLE_PROPERTY_LABEL, _("Request in progress"), -1);
	gtk_box_append(p, GTK_WIDGET(hw->progress));
	hw->elapsed = label(p, "numeric");
	set_text(label(p, "dim-label"), _("Nobody is connected yet. You can cancel at any time."));
	hw->cancel_btn = button(p, _("_Cancel"), _("Stop asking for help"), NULL,
				G_CALLBACK(on_cancel), hw);

	p = page(hw, "connected");
	hw->conn_title = label(p, "title-4");
	hw->conn_since = label(p, "numeric");
	hw->conn_desk = label(p, "caption");
	hw->conn_note = label(p, "dim-label");
	hw->end_btn = button(p, _("_End help session"),
			     _("Stop your help desk from reaching this computer"),
			     "destructive-action", G_CALLBACK(on_end), hw);

	p = page(hw, "failed");
	hw->fail_title = label(p, "title-4");
	hw->fail_todo = label(p, NULL);
	hw->fail_detail = label(p, "caption");
	hw->retry_btn = button(p, _("_Try again"), _("Check this computer again"), NULL,
			       G_CALLBACK(on_retry), hw);

	gtk_window_set_child(hw->win, outer);

	GtkEventController *keys = gtk_shortcut_controller_new();
	gtk_shortcut_controller_add_shortcut(
		GTK_SHORTCUT_CONTROLLER(keys),
		gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_Escape, 0),
				 gtk_callback_action_new(on_escape, hw, NULL)));
	gtk_widget_add_controller(GTK_WIDGET(hw->win), keys);
}

static void hw_free(gpointer p)
{
	struct hw *hw = p;
	if (hw->tick_id)
		g_source_remove(hw->tick_id);
	if (hw->pulse_id)
		g_source_remove(hw->pulse_id);
	g_clear_object(&hw->inflight);
	g_free(hw->socket);
	g_free(hw);
}

static void on_destroy(GtkWidget *w, gpointer data)
{
	struct hw *hw = data;
	hw->closed = TRUE;
	if (hw->inflight)
		g_cancellable_cancel(hw->inflight);
	if (hw->tick_id) {
		g_source_remove(hw->tick_id);
		hw->tick_id = 0;
	}
	if (hw->pulse_id) {
		g_source_remove(hw->pulse_id);
		hw->pulse_id = 0;
	}
}

GtkWindow *help_window_new(GtkApplication *app, const char *socket_path, gboolean request_now)
{
	struct hw *hw = g_new0(struct hw, 1);
	hw->win = GTK_WINDOW(gtk_application_window_new(app));
	hw->socket = g_strdup(socket_path);
	g_object_set_data_full(G_OBJECT(hw->win), "amt-help", hw, hw_free);
	gtk_window_set_title(hw->win, _("Request IT help"));
	gtk_window_set_default_size(hw->win, 480, 420);
	gtk_window_set_icon_name(hw->win, HELP_APP_ID);
	build(hw);
	g_signal_connect(hw->win, "close-request", G_CALLBACK(on_close_request), hw);
	g_signal_connect(hw->win, "destroy", G_CALLBACK(on_destroy), hw);
	hw->tick_id = g_timeout_add_seconds(1, on_tick, hw);
	act(hw, help_model_start(&hw->m, request_now, time(NULL)));
	return hw->win;
}
