"""`make run`: the development server, with the e-mail outbox sent (to the console) every two seconds."""
from __future__ import annotations

import threading
import time

from portal import create_app
from portal.db import utcnow
from portal.mail.services import send_pending


def main() -> None:
    app = create_app()

    def send_outbox_forever() -> None:
        while True:
            with app.app_context():
                try:
                    send_pending(utcnow)
                except Exception:  # noqa: BLE001 - keep sending whatever one message did
                    app.logger.exception("outbox sender")
            time.sleep(2)

    threading.Thread(target=send_outbox_forever, name="outbox", daemon=True).start()
    app.run(host="127.0.0.1", port=5000, use_reloader=False)


if __name__ == "__main__":
    main()
