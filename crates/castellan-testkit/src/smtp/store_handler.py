"""aiosmtpd handler for Castellan's tests: every message is decoded and written as one JSON
file (`000001.json`, ...) into the directory named by CASTELLAN_SMTP_DIR."""
import email
import email.policy
import json
import os


class Store:
    def __init__(self):
        self.dir = os.environ["CASTELLAN_SMTP_DIR"]
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)

        def body(kind):
            part = msg.get_body((kind,))
            return part.get_content() if part is not None else None

        self.count += 1
        data = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "subject": str(msg.get("Subject", "")),
            "text": body("plain"),
            "html": body("html"),
        }
        name = "%06d.json" % self.count
        tmp = os.path.join(self.dir, "." + name)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.rename(tmp, os.path.join(self.dir, name))
        return "250 Message accepted for delivery"
