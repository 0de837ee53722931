"""The one place where the addon mirrors Odoo's private mail internals.

Everything else posts through Odoo's public mail API (``message_post``,
``activity_schedule``, account's sending queue). See the docstring of
``FreelanceDunningMailBatch`` for what is mirrored and why.
"""

import logging
import uuid
from collections import defaultdict
from contextlib import contextmanager

from lxml import etree, html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import split_every

# Set by the batch only: the reminders' bodies rendered in one QWeb pass.
BATCH_RENDERING_KEY = "freelance_dunning_mail_batch"
# Key of the cursor's cache (``cr.cache``) holding, while the batch renders its
# bodies only, {(context lang, user): res.lang id} (``IrQwebField.user_lang``).
RENDERING_LANG_KEY = "freelance_dunning_rendering_lang"
# Key of the cursor's cache (``cr.cache``) holding, while the batch creates its
# messages only, {body: sanitized body} (``sanitizing_once``).
SANITIZED_KEY = "freelance_dunning_sanitized_bodies"


@contextmanager
def sanitizing_once(env):
    """Inside this block, a message body is sanitized once, not twice.

    Odoo's ``create`` sanitizes an HTML value twice, with the same options on
    the same text: once for the column, once for the cache. Odoo's sanitizer
    is a function of the text and the options only, so the second result is
    the first one (``SanitizedOnceHtml``). The memo lives on the cursor, is
    used by ``mail.message``'s body only, and is dropped when the block ends.
    """
    cache = env.cr.cache
    if SANITIZED_KEY in cache:
        yield
        return
    cache[SANITIZED_KEY] = {}
    try:
        yield
    finally:
        cache.pop(SANITIZED_KEY, None)


class SanitizedOnceHtml(fields.Html):
    """Odoo's HTML field; inside ``sanitizing_once``, the sanitized text of a
    value already sanitized with the same options is reused.

    ``mail.message.body`` is redefined with it (its attributes unchanged). An
    addon loaded later that redefined that body with a plain ``fields.Html``
    would drop the attributes gathered so far (Odoo keeps them only along one
    field class): none of Odoo 18's modules does."""

    def _convert(self, value, record, validate):
        memo = record.env.cr.cache.get(SANITIZED_KEY)
        if (
            memo is None
            or not validate
            or not self.sanitize
            or self.sanitize_overridable
            or not isinstance(value, str)
        ):
            return super()._convert(value, record, validate)
        key = (self, value)
        if key not in memo:
            memo[key] = super()._convert(value, record, validate)
        return memo[key]


_logger = logging.getLogger(__name__)


class FreelanceDunningMailBatch(models.AbstractModel):
    """Post many reminders' emails at once, as Odoo's ``message_post`` would.

    Why: the nightly run emails thousands of clients. Odoo's path
    (``mail.thread.message_post`` then ``_notify_thread``) costs one message,
    one mail and one notification query set per client; the batch creates
    them per run and costs 0.56-0.75x of Odoo's mass mail of the same email
    (``make bench``, README, Performance). The system parameter
    ``freelance_dunning.reminder_email_path`` set to ``odoo`` makes every
    reminder take Odoo's path instead (``FreelanceDunningReminder._post_email``).

    What it mirrors, to be checked at each upgrade of Odoo
    (``test_dunning.TestReminderEmailPaths`` compares both paths):

    - ``mail.thread.message_post`` (mail/models/mail_thread.py): the message's
      values, its ``reply_to`` from ``_notify_get_reply_to``;
    - ``mail.thread._notify_get_recipients`` (mail/models/mail_thread.py):
      who is notified, the reminder's recipients and the client's followers
      of the "Discussions" subtype, never the author nor an archived partner,
      from ``mail.followers._get_recipient_data`` called for the whole batch
      (``_get_recipients_data``);
    - ``mail.thread._notify_thread`` (mail/models/mail_thread.py): Odoo's own
      ``_notify_thread_by_inbox`` and ``_notify_thread_by_web_push`` are
      called for the clients whose recipients need them (a follower with
      notifications in Odoo, a phone registered for push);
    - ``mail.thread._notify_thread_by_email`` (mail/models/mail_thread.py):
      ``_notify_get_classified_recipients_iterator``,
      ``_notify_by_email_render_layout``, ``_notify_by_email_get_headers``, the
      ``mail.mail`` per recipients' group (``mail.batch_size`` recipients at
      most) and one ``mail.notification`` per recipient, queued for the mail
      scheduler (never sent before the commit);
    - ``mail.template._render_template_qweb`` (mail/models/mail_render_mixin.py):
      the bodies of a batch rendered in one QWeb pass (``MailTemplate`` below).

    Like ``FreelanceDunningReminder._post_email`` (``mail_create_nosubscribe``),
    the author is not subscribed to the client.
    """

    _name = "freelance.dunning.mail.batch"
    _description = "Payment Reminder Emails in Batch"

    @api.model
    def _render_emails(self, reminders):
        """Subject and body of the reminders' emails, rendered in one pass per
        template and language: {reminder id: {subject, body_html}}.

        A template that fails here is left out: the reminder renders it alone
        (``FreelanceDunningReminder._render_email``) and records the error.
        """
        groups = {}
        for reminder in reminders:
            if "email" in reminder.line_ids.mapped("channel"):
                key = (reminder._get_mail_template(), reminder._get_mail_lang())
                groups.setdefault(key, []).append(reminder.id)
        rendered = {}
        for (template, lang), ids in groups.items():
            try:
                with self.env.cr.savepoint():
                    # As FreelanceDunningReminder._render_email: the trusted
                    # template is rendered as superuser.
                    rendered.update(
                        template.sudo()
                        .with_context(lang=lang, **{BATCH_RENDERING_KEY: True})
                        ._generate_template(ids, ["subject", "body_html"])
                    )
            except Exception:  # noqa: BLE001 - rendered again one by one
                _logger.info("Reminders rendered one by one", exc_info=True)
        return rendered

    @api.model
    def _post_emails(self, emails, pdfs):
        """Post the reminders' emails on their clients, all in one batch.

        :param emails: {reminder: {rendered, recipients, letters}}
        :param pdfs: {reminder: its invoices' PDFs}
        :return: {reminder: its mail.message}
        """
        layout = "mail.mail_notification_light"
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        Client = self.env["res.partner"].sudo()
        message_values = []
        for reminder, email in emails.items():
            author = reminder._get_mail_author()
            message_values.append(
                {
                    "model": "res.partner",
                    "res_id": reminder.partner_id.id,
                    "record_name": reminder.partner_id.display_name,
                    "record_company_id": reminder.company_id.id,
                    "message_type": "comment",
                    "subtype_id": subtype_id,
                    "author_id": author.id,
                    "email_from": author.email_formatted,
                    "subject": email["rendered"]["subject"],
                    "body": email["rendered"]["body_html"],
                    "partner_ids": [fields.Command.set(email["recipients"].ids)],
                    "attachment_ids": [
                        fields.Command.set((pdfs[reminder] | email["letters"]).ids)
                    ],
                    "email_layout_xmlid": layout,
                }
            )
        # Replies go where Odoo sends the client's replies (alias, catchall).
        by_author = defaultdict(list)
        for values in message_values:
            by_author[values["email_from"]].append(values["res_id"])
        reply_to = {
            (email_from, client_id): address
            for email_from, client_ids in by_author.items()
            for client_id, address in Client.browse(client_ids)
            ._notify_get_reply_to(default=email_from)
            .items()
        }
        for values in message_values:
            values["reply_to"] = reply_to[(values["email_from"], values["res_id"])]
        with sanitizing_once(self.env):
            messages = self.env["mail.message"].sudo().create(message_values)
        recipients_of = self._get_recipients_data(emails, subtype_id)
        # Inbox and phone (web push) notifications: Odoo's own methods, called
        # only for the clients whose recipients need them (internal users
        # following the client with notifications in Odoo, push devices).
        with_devices = set(
            self.env["mail.push.device"]
            .sudo()
            .search(
                [
                    (
                        "partner_id",
                        "in",
                        [r["id"] for data in recipients_of.values() for r in data],
                    )
                ]
            )
            .partner_id.ids
        )
        batch_size = (
            int(self.env["ir.config_parameter"].sudo().get_param("mail.batch_size"))
            or 50
        )
        mail_values = []
        for (reminder, _email), message, values in zip(
            emails.items(), messages, message_values, strict=True
        ):
            client = reminder.partner_id.sudo()
            lang = reminder._get_mail_lang()
            recipients_data = recipients_of[reminder]
            msg_vals = dict(values, email_layout_xmlid=layout)
            if any(r["notif"] == "inbox" for r in recipients_data):
                client._notify_thread_by_inbox(
                    message, recipients_data, msg_vals=msg_vals
                )
            if any(r["id"] in with_devices for r in recipients_data):
                client._notify_thread_by_web_push(message, recipients_data, msg_vals)
            for (
                _lang,
                render_values,
                group,
            ) in client._notify_get_classified_recipients_iterator(
                message,
                [r for r in recipients_data if r["notif"] == "email"],
                msg_vals=msg_vals,
                force_email_company=reminder.company_id,
                force_email_lang=lang,
            ):
                body_html = client._notify_by_email_render_layout(
                    message,
                    group,
                    msg_vals=msg_vals,
                    render_values=render_values,
                )
                for chunk in split_every(batch_size, group["recipients"]):
                    mail_values.append(
                        {
                            "mail_message_id": message.id,
                            "is_notification": True,
                            "auto_delete": True,
                            "references": message.message_id,
                            "headers": repr(client._notify_by_email_get_headers()),
                            "body_html": body_html,
                            "recipient_ids": [
                                fields.Command.link(pid) for pid in chunk
                            ],
                        }
                    )
        mails = self.env["mail.mail"].sudo().create(mail_values)
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": mail.author_id.id,
                    "is_read": True,
                    "mail_mail_id": mail.id,
                    "mail_message_id": mail.mail_message_id.id,
                    "notification_status": "ready",
                    "notification_type": "email",
                    "res_partner_id": recipient.id,
                }
                for mail in mails
                for recipient in mail.recipient_ids
            ]
        )
        return dict(zip(emails, messages, strict=True))

    @api.model
    def _get_recipients_data(self, emails, subtype_id):
        """{reminder: who its message notifies}, as ``message_post`` computes
        it for one client (``mail.thread._notify_get_recipients``): the
        reminder's recipients and the client's followers of the subtype,
        without the author and the archived partners. Two queries for the
        whole batch (``mail.followers._get_recipient_data``), not one per
        client.

        :param emails: {reminder: {rendered, recipients, letters}}
        """
        Followers = self.env["mail.followers"]
        clients = self.env["res.partner"].browse(
            list(dict.fromkeys(reminder.partner_id.id for reminder in emails))
        )
        # The followers of each client who follow the subtype.
        followers = Followers._get_recipient_data(clients, "comment", subtype_id)
        # The reminders' recipients, with the clients each of them follows
        # (whatever the subtype, as Odoo flags a recipient who follows).
        pids = list(
            dict.fromkeys(
                pid for email in emails.values() for pid in email["recipients"].ids
            )
        )
        partner_data, followed = {}, defaultdict(set)
        if pids:
            by_client = Followers._get_recipient_data(clients, "comment", False, pids)
            for client_id, data in by_client.items():
                for pid, pdata in data.items():
                    partner_data.setdefault(pid, pdata)
                    if pdata["is_follower"]:
                        followed[client_id].add(pid)
        # Never the author of the message (Odoo: the user posting, or the
        # message's author when the user is archived, e.g. OdooBot).
        user_partner = self.env.user.partner_id.id if self.env.user.active else False
        result = {}
        for reminder, email in emails.items():
            client_id = reminder.partner_id.id
            data = {
                pid: dict(partner_data[pid], is_follower=pid in followed[client_id])
                for pid in email["recipients"].ids
                if pid in partner_data
            }
            data.update(followers[client_id])
            author = user_partner or reminder._get_mail_author().id
            result[reminder] = [
                pdata
                for pid, pdata in data.items()
                if pid != author and pdata["active"] is not False
            ]
        return result


class MailMessage(models.Model):
    _inherit = "mail.message"

    # Odoo's field (mail/models/mail_message.py), its attributes unchanged:
    # sanitized once per create inside ``sanitizing_once`` (the batch).
    body = SanitizedOnceHtml()


class IrQwebField(models.AbstractModel):
    _inherit = "ir.qweb.field"

    @api.model
    def user_lang(self):
        """Odoo's language of the amounts and dates a template formats; while
        the batch renders its bodies, looked up once per language and user
        instead of once per amount (Odoo finds it again for each value)."""
        memo = self.env.cr.cache.get(RENDERING_LANG_KEY)
        if memo is None:
            return super().user_lang()
        key = (self.env.context.get("lang"), self.env.uid)
        if key not in memo:
            memo[key] = super().user_lang().id
        return self.env["res.lang"].browse(memo[key])


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Render a batch of reminders' bodies in one QWeb pass.

        Odoo parses and compiles a raw QWeb body anew for every record, which
        costs more than the rest of a reminder. Called by the reminders' batch
        (``FreelanceDunningMailBatch._render_emails``), the body is compiled
        once, wrapped in a loop over the records, and the result cut back into
        one text per record. Anything else, a single record, or a rendering in
        Odoo's restricted mode takes Odoo's path.
        """
        if (
            not self.env.context.get(BATCH_RENDERING_KEY)
            or model != "freelance.dunning.reminder"
            or not template_src
            or len(res_ids) < 2
            or not self._has_unsafe_expression_template_qweb(template_src, model)
            or self._is_restricted_qweb_rendering()
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        marker = f"\x1e{uuid.uuid4().hex}\x1e"
        body = html.fragment_fromstring(template_src, create_parent="div")
        loop = etree.Element("t", {"t-foreach": "fd_batch_records", "t-as": "object"})
        etree.SubElement(loop, "t", {"t-out": "fd_batch_marker"})
        loop.append(body)
        root = etree.Element("t")
        root.append(loop)
        records = self.env[model].browse(res_ids)
        variables = self._render_eval_context()
        variables.update(add_context or {})
        variables.update(fd_batch_records=records, fd_batch_marker=marker)
        cache = self.env.cr.cache
        cache[RENDERING_LANG_KEY] = {}
        try:
            rendered = self.env["ir.qweb"]._render(root, variables, **(options or {}))
        finally:
            cache.pop(RENDERING_LANG_KEY, None)
        # Each part is "<div>body</div>": the wrapper Odoo adds and removes too.
        parts = str(rendered).split(marker)[1:]
        if len(parts) != len(records):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        return {
            record.id: Markup(part.strip()[5:-6])
            for record, part in zip(records, parts, strict=True)
        }

    def _is_restricted_qweb_rendering(self):
        return (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )
