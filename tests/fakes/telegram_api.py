"""A fake Telegram Bot API on 127.0.0.1: records every call, serves files, answers like Telegram."""

from __future__ import annotations

import json
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOT = {"id": 999, "is_bot": True, "first_name": "Moodtune", "username": "moodtune_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        self.fail_downloads = False
        self.admins: set[int] = set()  # user ids getChatMember reports as group administrators
        self.updates: list[dict] = []  # handed out by getUpdates, for tests that poll for real
        self.fail_next: dict[str, int] = {}  # method -> how many calls answer 502 Bad Gateway first
        self.reject_next: dict[str, str] = {}  # method -> the next call answers 400 with this description
        self.never_started: set[int] = set()
        self.flood_next: dict[str, int] = {}  # method -> the next call answers 429 with retry_after this many seconds  # users who never opened a private chat: messages to them are 403
        self._next_id = 1000
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                m = re.match(r"^/file/bot[^/]+/(.+)$", urlsplit(self.path).path)
                name = m.group(1) if m else ""
                if fake.fail_downloads or name not in fake.files:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = fake.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                m = re.match(r"^/bot[^/]+/(\w+)$", urlsplit(self.path).path)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request (a killed worker): Telegram never saw it
                    return
                params = fake._params(self.headers.get("Content-Type", ""), body)
                method = m.group(1) if m else "?"
                with fake._lock:
                    fake.calls.append((method, params))
                    failing = fake.fail_next.get(method, 0)
                    if failing:
                        fake.fail_next[method] = failing - 1
                    rejection = fake.reject_next.pop(method, None)
                    flood = fake.flood_next.pop(method, None)
                if flood or rejection or failing:  # refused: not said (kept in calls under the refusal's name)
                    with fake._lock:
                        fake.calls.remove((method, params))
                        fake.calls.append((f"{method}:{429 if flood else 400 if rejection else 502}", params))
                if flood:
                    self._json(429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {flood}",
                                     "parameters": {"retry_after": flood}})
                    return
                if rejection:
                    self._json(400, {"ok": False, "error_code": 400, "description": rejection})
                    return
                if failing:
                    self._json(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
                    return
                if method in ("sendMessage", "sendDocument") and str(params.get("chat_id")).lstrip("-").isdigit() \
                        and int(params["chat_id"]) in fake.never_started:
                    with fake._lock:
                        fake.calls.remove((method, params))
                        fake.calls.append((method + ":forbidden", params))  # not said: Telegram refused it
                    self._json(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot can't initiate conversation with a user"})
                    return
                ok, result = fake.answer(method, params)
                self._json(200 if ok else 400, {"ok": ok, "result": result} if ok else {"ok": False, "error_code": 400, "description": result})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def start(self) -> "FakeTelegram":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict:
        if content_type.startswith("application/json"):
            return json.loads(body or b"{}")
        if content_type.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
            out = {}
            for part in msg.iter_parts():
                value = part.get_payload(decode=True)
                if not part.get_filename():  # a field, not a file: text (UTF-8), JSON-encoded when structured
                    value = value.decode("utf-8")
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                out[part.get_param("name", header="content-disposition")] = value
            return out
        out = {}
        for k, v in parse_qs(body.decode()).items():
            try:
                out[k] = json.loads(v[0])
            except ValueError:
                out[k] = v[0]
        return out

    def _message(self, params: dict, text_key: str = "text") -> dict:
        with self._lock:
            self._next_id += 1
            mid = self._next_id
        chat_id = int(params.get("chat_id", 1))
        msg = {"message_id": int(params.get("message_id", mid)), "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
               "from": BOT, "text": params.get(text_key, "")}
        if "reply_markup" in params:
            markup = params["reply_markup"]
            msg["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return msg

    def answer(self, method: str, params: dict):
        if method == "getMe":
            return True, BOT
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return True, self._message(params)
        if method == "sendDocument":
            msg = self._message(params, text_key="caption")
            msg["caption"] = msg.pop("text")
            msg["document"] = {"file_id": f"doc{msg['message_id']}", "file_unique_id": "d", "file_name": "list.txt"}
            return True, msg
        if method == "sendPhoto":
            msg = self._message(params, text_key="caption")
            msg["caption"] = msg.pop("text")
            msg["photo"] = [{"file_id": f"sent{msg['message_id']}", "file_unique_id": "x", "width": 1200, "height": 630}]
            return True, msg
        if method == "sendAudio":
            msg = self._message(params)
            msg["audio"] = {"file_id": f"aud{msg['message_id']}", "file_unique_id": f"a{msg['message_id']}", "duration": 30,
                            "title": params.get("title"), "performer": params.get("performer")}
            return True, msg
        if method == "sendMediaGroup":
            media = params["media"] if isinstance(params["media"], list) else json.loads(params["media"])
            out = []
            for item in media:
                msg = self._message(params)
                msg["audio"] = {"file_id": f"aud{msg['message_id']}", "file_unique_id": f"a{msg['message_id']}", "duration": 30,
                                "title": item.get("title"), "performer": item.get("performer")}
                out.append(msg)
            return True, out
        if method == "getChatMember":
            uid = int(params["user_id"])
            return True, {"status": "administrator" if uid in self.admins else "member",
                          "user": {"id": uid, "is_bot": False, "first_name": "x"},
                          **({"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
                              "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
                              "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                              "can_edit_stories": False, "can_delete_stories": False} if uid in self.admins else {})}
        if method == "getFile":
            fid = params["file_id"]
            return True, {"file_id": fid, "file_unique_id": fid, "file_size": len(self.files.get(f"photos/{fid}.jpg", b"")),
                          "file_path": f"photos/{fid}.jpg"}
        if method == "getUpdates":
            # like Telegram: an update is handed out until a later call confirms it (offset > its id)
            offset = int(params.get("offset") or 0)
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                batch = list(self.updates)
            if not batch:
                time.sleep(0.2)  # a short long-poll
            return True, batch
        if method in ("sendChatAction", "answerCallbackQuery", "setMyCommands", "deleteWebhook", "setWebhook", "answerInlineQuery"):
            return True, True
        return False, f"fake API does not know {method}"

    def sent(self, method: str) -> list[dict]:
        return [p for m, p in self.calls if m == method]

    def said(self) -> list[dict]:
        """Every message the bot sent, in order: texts, and photos with their caption as "text"."""
        return [p if m == "sendMessage" else {**p, "text": p.get("caption", "")} for m, p in self.calls if m in ("sendMessage", "sendPhoto")]
