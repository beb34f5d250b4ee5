"""Keys a person chooses ([keymap] in settings.toml, by binding id) and the theme kept across
restarts (ui.toml, 0600)."""

from __future__ import annotations

import os
import sys

from audit_tui.app import AuditApp
from audit_tui.locations import config_dir
from audit_tui.preferences import binding_ids, ui_file
from audit_tui.settings import Settings, load_settings

from .test_home import wait_for


def test_keymap_in_settings_is_read_and_a_bad_entry_named_with_its_line(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('backup_days = 3\n\n[keymap]\n"home.new" = "f9"\n"walk.next" = 5\n',
                    encoding="utf-8")
    settings = load_settings(path)
    assert settings.keymap == {"home.new": "f9"}
    assert settings.problems == (f"{path}:5: keymap 'walk.next' should be keys like "
                                 '"ctrl+j" or "f9,ctrl+j"; the usual key is kept.',)


def test_every_binding_has_an_id_the_keymap_can_name():
    ids = binding_ids()
    assert {"home.new", "walk.next", "app.actions", "review.submit", "dashboard.drill"} <= ids


async def test_a_remapped_key_works_and_an_unknown_id_is_said(db_target):
    settings = Settings(keymap={"home.new": "f9", "no.such": "f10"})
    app = AuditApp(database=db_target, warm_up=False, settings=settings)
    assert any("'no.such' is not a key binding" in w for w in app.startup_warnings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await pilot.pause()
        await pilot.press("n")  # no longer new audit
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("f9")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NewAuditScreen")


async def test_the_chosen_theme_is_kept_across_restarts(db_target):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert app.theme != "textual-light"
        app.theme = "textual-light"
        await wait_for(pilot, lambda: ui_file().exists()
                       and "textual-light" in ui_file().read_text(encoding="utf-8"))
    assert ui_file().parent == config_dir()
    if sys.platform != "win32":
        assert os.stat(ui_file()).st_mode & 0o777 == 0o600
    again = AuditApp(database=db_target, warm_up=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(again.screen).__name__ == "HomeScreen")
        assert again.theme == "textual-light"
