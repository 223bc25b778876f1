#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drive amt-help on a real X display the way assistive technology does.

Runs as an unprivileged user inside its own D-Bus session (dbus-run-session
starts the session bus; the accessibility bus and registry are D-Bus
activated from it). Starts Xvfb, then amt-help once per scenario, finds its
controls through AT-SPI by role and accessible name, presses them with their
AT-SPI action (or the keyboard), waits for the text each state shows, and
saves a screenshot of the window in each state. Prints one "ok NAME" or
"FAIL NAME: why" line per check, like tests/integration/lib.sh.

usage: drive_amt_help.py APP OUTDIR SCENARIO=SOCKET...
scenarios: noservice, unprovisioned, deadmps, live, lifetime (dark and german use live)
"""
import json
import os
import socket
import subprocess
import sys
import time
import warnings

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

APP, OUT = sys.argv[1], sys.argv[2]
SOCKETS = dict(a.split("=", 1) for a in sys.argv[3:])
failures = 0
CURRENT = None  # the amt-help process of the scenario running


def ok(name):
    print(f"ok {name}", flush=True)


def fail(name, why):
    global failures
    failures += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, cond, why=""):
    ok(name) if cond else fail(name, why)
    return cond


# ---- X display ---------------------------------------------------------------

def start_xvfb():
    r, w = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "800x600x24",
                             "-nolisten", "tcp", "-noreset"], pass_fds=(w,),
                            stderr=subprocess.DEVNULL)
    os.close(w)
    display = b""
    while not display.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        display += chunk
    os.close(r)
    os.environ["DISPLAY"] = ":" + display.decode().strip()
    return xvfb


def app_window():
    """The running amt-help's X window (by its _NET_WM_PID; GTK also has a
    1x1 leader window, which is not visible)."""
    wids = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(CURRENT.pid)],
                          capture_output=True, text=True).stdout.split()
    return wids[-1] if wids else None


def screenshot(name):
    path = os.path.join(OUT, name + ".png")
    subprocess.run(["import", "-window", app_window() or "root", path], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def mean_brightness(path):
    r = subprocess.run(["convert", path, "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"],
                       capture_output=True, text=True)
    try:
        return float(r.stdout.strip())
    except ValueError:
        return -1.0


# ---- AT-SPI ------------------------------------------------------------------

def walk(acc, depth=0):
    """Depth first, skipping what is hidden (and all below it), as a screen
    reader presents the window."""
    if acc is None or depth > 40:
        return
    try:
        if depth > 0 and not acc.get_state_set().contains(Atspi.StateType.VISIBLE):
            return
    except Exception:
        return
    yield acc
    try:
        n = acc.get_child_count()
    except Exception:
        return
    for i in range(n):
        try:
            child = acc.get_child_at_index(i)
        except Exception:
            continue
        yield from walk(child, depth + 1)


def app_of(pid, timeout=20):
    desktop = Atspi.get_desktop(0)
    end = time.time() + timeout
    while time.time() < end:
        for i in range(desktop.get_child_count()):
            a = desktop.get_child_at_index(i)
            try:
                if a is not None and a.get_process_id() == pid:
                    return a
            except Exception:
                pass
        time.sleep(0.2)
    return None


def showing(acc):
    # GTK 4.8 sets SHOWING on windows only; walk() already left out what is
    # hidden, so VISIBLE is what tells.
    return acc.get_state_set().contains(Atspi.StateType.VISIBLE)


def find(app, role, name=None, startswith=None):
    for acc in walk(app):
        try:
            if acc.get_role() != role or not showing(acc):
                continue
            n = acc.get_name() or ""
        except Exception:
            continue
        if name is not None and n != name:
            continue
        if startswith is not None and not n.startswith(startswith):
            continue
        return acc
    return None


def wait_for(app, role, name=None, startswith=None, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        acc = find(app, role, name, startswith)
        if acc is not None:
            return acc
        time.sleep(0.2)
    return None


def label(app, text, timeout=30):
    return wait_for(app, Atspi.Role.LABEL, name=text, timeout=timeout)


def button(app, name, timeout=10):
    return wait_for(app, Atspi.Role.PUSH_BUTTON, name=name, timeout=timeout)


def press(acc):
    """Activate a control with its AT-SPI action, as a screen reader does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the only name getter in 2.46
        for i in range(acc.get_n_actions()):
            if acc.get_action_name(i) in ("click", "activate", "press"):
                return acc.do_action(i)
    return acc.do_action(0)


def key(name):
    """Type a key as a keyboard would (XTest). The window gets the input
    focus first, which a window manager would give it (there is none)."""
    wid = app_window()
    if wid:
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=False)
    subprocess.run(["xdotool", "key", name], check=False)


def visible_texts(app):
    out = []
    for acc in walk(app):
        try:
            if acc.get_role() in (Atspi.Role.LABEL, Atspi.Role.PUSH_BUTTON) and showing(acc):
                out.append(acc.get_name())
        except Exception:
            pass
    return out


def buttons_accessible(app, page):
    """Every button shown has a name, a description and can take focus."""
    for acc in walk(app):
        try:
            if acc.get_role() != Atspi.Role.PUSH_BUTTON or not showing(acc):
                continue
            name = acc.get_name() or ""
            focusable = acc.get_state_set().contains(Atspi.StateType.FOCUSABLE)
            check(f"{page}: button '{name}' has a name, a description and keyboard focus",
                  bool(name) and bool(acc.get_description()) and focusable,
                  f"name={name!r} description={acc.get_description()!r} focusable={focusable}")
        except Exception as e:
            fail(f"{page}: button readable", str(e))


def cira_status(scenario):
    """What the service says now (the protocol the CLI and amt-help speak)."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(20)
            s.connect(SOCKETS[scenario])
            s.sendall(b'{"v":1,"argv":["info","--json"]}\n')
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(json.loads(data)["stdout"])["cira"]["status"]
    except Exception as e:
        return f"error: {e}"


# ---- scenarios ---------------------------------------------------------------

def launch(scenario, *extra, env=None):
    e = dict(os.environ)
    e.update(env or {})
    global CURRENT
    p = CURRENT = subprocess.Popen([APP, "--socket", SOCKETS[scenario], *extra], env=e,
                                   stdout=open(os.path.join(OUT, f"{scenario}.log"), "w"),
                                   stderr=subprocess.STDOUT)
    app = app_of(p.pid)
    if app is None:
        fail(f"{scenario}: amt-help appears on the accessibility bus", "not found")
    return p, app


def stop(p):
    p.terminate()
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def noservice():
    p, app = launch("noservice")
    if app is None:
        return stop(p)
    check("no service: says the service is not running",
          label(app, "The amt-agent service is not running.") is not None, visible_texts(app))
    check("no service: says what to do",
          label(app, "Ask your administrator to start it (systemctl start amt-agent), then try "
                     "again.", 2) is not None, visible_texts(app))
    check("no service: offers Try again", button(app, "Try again") is not None, visible_texts(app))
    buttons_accessible(app, "no service")
    screenshot("no-service")
    stop(p)


def unprovisioned():
    p, app = launch("unprovisioned")
    if app is None:
        return stop(p)
    check("unprovisioned: says why help cannot be requested",
          label(app, "Your IT department has not set up this computer's management engine, so "
                     "help cannot be requested through it.") is not None, visible_texts(app))
    check("unprovisioned: no Request help button", find(app, Atspi.Role.PUSH_BUTTON,
                                                        "Request help") is None)
    screenshot("unavailable")
    stop(p)


def deadmps():
    """The help desk cannot be reached: Requesting lasts; Escape cancels it."""
    p, app = launch("deadmps")
    if app is None:
        return stop(p)
    b = button(app, "Request help", 30)
    if not check("dead MPS: Ready shows Request help", b is not None, visible_texts(app)):
        return stop(p)
    key("Return")  # keyboard access: Request help is the default and focused button
    check("Requesting: says it is asking",
          label(app, "Asking your help desk to connect…", 15) is not None, visible_texts(app))
    check("Requesting: a progress bar named for assistive technology",
          wait_for(app, Atspi.Role.PROGRESS_BAR, "Request in progress", timeout=5) is not None)
    first = wait_for(app, Atspi.Role.LABEL, startswith="Waiting for 0:0", timeout=5)
    first_text = first.get_name() if first else None
    # Counting up means a later reading shows more time than the first one
    # (two ticks at least); polled, not slept, so a loaded machine whose
    # window repaints late does not fail it.
    later_text, end = None, time.time() + 15
    while first_text and time.time() < end:
        later = wait_for(app, Atspi.Role.LABEL, startswith="Waiting for 0:", timeout=2)
        later_text = later.get_name() if later else None
        if later_text and later_text > first_text and later_text > "Waiting for 0:01":
            break
        time.sleep(0.3)
    check("Requesting: elapsed time counts up",
          first_text is not None and later_text is not None and later_text > first_text
          and later_text > "Waiting for 0:01",
          f"{first_text} then {later_text}" if first_text else visible_texts(app))
    check("Requesting: the window still answers (request runs in the background)",
          button(app, "Cancel", 2) is not None)
    buttons_accessible(app, "requesting")
    screenshot("requesting")
    key("Escape")  # keyboard access to Cancel
    check("Cancel by keyboard: back to Ready, saying it was cancelled",
          label(app, "The request was cancelled.", 30) is not None, visible_texts(app))
    check("after Cancel: Request help offered again", button(app, "Request help", 5) is not None)
    st = cira_status("deadmps")
    check("after Cancel: AMT stopped trying (status not_connected)", st == "not_connected", st)
    stop(p)


def live():
    """Request help, connected, End help session: the whole path by AT-SPI."""
    p, app = launch("live")
    if app is None:
        return stop(p)
    check("Ready: says the help desk can be reached",
          label(app, "Your IT help desk can be reached through this computer's management "
                     "engine.") is not None, visible_texts(app))
    check("Ready: the privacy sentence",
          wait_for(app, Atspi.Role.LABEL, startswith="Nobody can connect to this computer",
                   timeout=2) is not None)
    b = button(app, "Request help")
    if not check("Ready: Request help found by its accessible name", b is not None,
                 visible_texts(app)):
        return stop(p)
    buttons_accessible(app, "ready")
    screenshot("ready")
    press(b)
    c = label(app, "Your help desk can now reach this computer.", 60)
    if not check("Connected: says the help desk can reach this computer", c is not None,
                 visible_texts(app)):
        return stop(p)
    check("Connected: since when",
          wait_for(app, Atspi.Role.LABEL, startswith="Since ", timeout=2) is not None,
          visible_texts(app))
    check("Connected: names the help desk",
          wait_for(app, Atspi.Role.LABEL, startswith="Help desk: ", timeout=2) is not None)
    st = cira_status("live")
    check("Connected: the service agrees (cira.status connected)", st == "connected", st)
    buttons_accessible(app, "connected")
    screenshot("connected")
    end = button(app, "End help session")
    if not check("Connected: End help session found by its accessible name", end is not None):
        return stop(p)
    press(end)
    check("Ended: says the session has ended",
          label(app, "The help session has ended.", 30) is not None, visible_texts(app))
    check("Ended: Request help offered again", button(app, "Request help", 5) is not None)
    st = cira_status("live")
    check("Ended: the tunnel is closed (cira.status not_connected)", st == "not_connected", st)
    screenshot("ended")
    stop(p)


def lifetime():
    """amt-help --request: straight into Requesting; the other side ends it."""
    p, app = launch("lifetime", "--request")
    if app is None:
        return stop(p)
    check("--request: connects without a click",
          label(app, "Your help desk can now reach this computer.", 60) is not None,
          visible_texts(app))
    check("closed from the other side: shown as ended by the help desk",
          label(app, "Your help desk ended the help session.", 40) is not None,
          visible_texts(app))
    screenshot("ended-by-help-desk")
    stop(p)


def dark():
    """The desktop prefers dark: the window follows (GSettings color-scheme)."""
    env = {"GSETTINGS_BACKEND": "keyfile"}
    subprocess.run(["gsettings", "set", "org.gnome.desktop.interface", "color-scheme",
                    "prefer-dark"], env={**os.environ, **env}, check=False)
    p, app = launch("live", env=env)
    if app is None:
        return stop(p)
    label(app, "Your IT help desk can be reached through this computer's management engine.")
    time.sleep(0.5)
    path = screenshot("ready-dark")
    light = mean_brightness(os.path.join(OUT, "ready.png"))
    dim = mean_brightness(path)
    check("dark desktop style followed", 0 <= dim < 0.45 and light > 0.6,
          f"mean brightness dark {dim:.2f}, light {light:.2f}")
    stop(p)


def german():
    """Translations reach the window: the same Ready page in German."""
    p, app = launch("live", env={"LANGUAGE": "de"})
    if app is None:
        return stop(p)
    check("German: the Ready page is translated",
          label(app, "Ihr IT-Helpdesk ist über die Management Engine dieses Computers "
                     "erreichbar.") is not None, visible_texts(app))
    check("German: the button's accessible name is translated too",
          button(app, "Hilfe anfordern") is not None, visible_texts(app))
    screenshot("ready-de")
    stop(p)


def main():
    xvfb = start_xvfb()
    try:
        for scenario in ("noservice", "unprovisioned", "deadmps", "live", "lifetime", "dark",
                         "german"):
            if scenario in SOCKETS or scenario in ("dark", "german"):
                globals()[scenario]()
    finally:
        xvfb.terminate()
        xvfb.wait()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
