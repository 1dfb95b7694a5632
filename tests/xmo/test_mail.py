"""E-mail in the embedded mode: one file per message under var/mail/, one log line each."""

import logging

from django.core import mail


def test_file_backend_saves_each_message_and_logs_one_line(settings, tmp_path, caplog):
    settings.EMAIL_BACKEND = "xmo.mail.FileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    caplog.set_level(logging.INFO, logger="xmo.mail")

    sent = mail.send_mail(
        "[XMO] XLA breach: Happiness",
        "Happiness missed its target.\n\nhttp://127.0.0.1:8101/xlas/breaches/2/",
        "XMO <xmo@localhost>",
        ["owner@demo.example"],
    )

    assert sent == 1
    files = list((tmp_path / "mail").iterdir())
    assert len(files) == 1
    saved = files[0].read_text()
    assert "Subject: [XMO] XLA breach: Happiness" in saved
    assert "http://127.0.0.1:8101/xlas/breaches/2/" in saved
    records = [r for r in caplog.records if r.name == "xmo.mail"]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "owner@demo.example" in line and "[XMO] XLA breach: Happiness" in line
    assert str(files[0]) in line
    assert "missed its target" not in line and "\n" not in line
