"""Serves SMSInput the way ``rasa run`` does, with an echo agent instead of a trained model.

Run by ``test_channel_sanic.py`` with the Rasa venv's Python (Rasa and Sanic are only there):
    .venv-rasa/bin/python tests/sms/sanic_echo_app.py PORT DB_PATH TURNS_PATH

Each UserMessage the channel hands over is appended to TURNS_PATH as one JSON line.
"""

from __future__ import annotations

import json
import sys

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from connectors.sms.channel import SMSInput

AUTH_TOKEN = "test-auth-token-0123456789abcdef"


class EchoAgent:
    """Records every message the channel passes in and answers with two buttons."""

    tracker_store = None

    def __init__(self, turns_path: str) -> None:
        self.turns_path = turns_path

    async def handle_message(self, message: UserMessage) -> None:
        if message.text == "boom":
            raise RuntimeError("simulated failure inside Rasa")
        if message.text == "silent":
            return
        summary = {
            "text": message.text,
            "sender_id": message.sender_id,
            "input_channel": message.input_channel,
            "message_id": message.message_id,
            "metadata": message.metadata,
        }
        with open(self.turns_path, "a", encoding="utf-8") as turns:
            turns.write(json.dumps(summary, ensure_ascii=False) + "\n")
        await message.output_channel.send_text_with_buttons(
            message.sender_id,
            f"Got it: {message.text}",
            [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )


def main() -> None:
    port, db_path, turns_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    channel = SMSInput.from_credentials({"auth_token": AUTH_TOKEN, "db_path": db_path})
    app = Sanic("sms_echo_app")
    app.ctx.agent = EchoAgent(turns_path)
    register([channel], app, route="/webhooks/")  # what rasa.core.run does with credentials
    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
