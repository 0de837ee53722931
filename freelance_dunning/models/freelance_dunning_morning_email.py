"""The morning email: what the next nightly run will send, to the dunning users."""

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount, format_date

from .res_partner import USER_GROUP
from .row_locks import lock_skip_locked


class FreelanceDunningMorningEmail(models.AbstractModel):
    """One email a morning per dunning user of a company whose nightly
    reminders are on, listing the reminders the next nightly run will send.

    The list is the run preview's own computation
    (``freelance.dunning.engine._plan``, as the Run Reminders preview), for
    the day the nightly run will run. A scheduled action runs every hour and
    sends for the companies whose hour has come in their time zone, once per
    company and day: the company's row is locked and its last day written in
    the same transaction, so two workers, or a second run, send nothing twice.
    Nothing is sent on a day the run will send nothing.
    """

    _name = "freelance.dunning.morning.email"
    _description = "Morning Email of the Payment Reminders"

    @api.model
    def _cron_send(self):
        """Send the morning emails whose hour has come (hourly)."""
        now = fields.Datetime.now()
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [("nightly_reminders", "=", True), ("dunning_morning_email", "=", True)]
            )
        )
        for company in companies:
            day = self._local_day_due(company, now)
            if not day:
                continue
            if lock_skip_locked(company) != {company.id}:
                # Another worker sends this company's email now.
                continue
            company.invalidate_recordset(["dunning_morning_email_date"])
            if company.dunning_morning_email_date == day:
                continue
            self._send(company)
            # Written in the transaction that sent (queued) the emails, under
            # the row lock: the cron runner's commit makes both visible.
            company.write({"dunning_morning_email_date": day})

    @api.model
    def _get_timezone(self, company):
        """The company's time zone: its address's, else its dunning
        responsible's, else UTC."""
        name = company.partner_id.tz or company._get_dunning_responsible().tz
        return pytz.timezone(name or "UTC")

    @api.model
    def _local_day_due(self, company, now):
        """The company's day if its morning email is due at ``now`` (UTC):
        its hour has come and it was not sent that day."""
        local = pytz.utc.localize(now).astimezone(self._get_timezone(company))
        day = local.date()
        if local.hour < company.dunning_morning_email_hour:
            return None
        if company.dunning_morning_email_date == day:
            return None
        return day

    @api.model
    def _next_run_day(self):
        """The day the next nightly run reminds for: the date of the nightly
        scheduled action's next call, as the run reads it."""
        cron = self.env.ref("freelance_dunning.ir_cron_dunning_run").sudo()
        when = max(cron.nextcall, fields.Datetime.now())
        return fields.Date.context_today(cron.with_user(cron.user_id), when)

    @api.model
    def _get_recipients(self, company):
        """The company's dunning users (managers included), who can act."""
        users = self.env.ref(USER_GROUP).sudo().users
        return users.filtered(
            lambda user: company._is_assignable_user(user) and user.email
        ).sorted("id")

    @api.model
    def _get_rows(self, company, day, user=None, plan=None):
        """One row per reminder the run will send: (client, currency, top
        level, total claimed, channels, waits for a validation), from the
        run preview's computation. With ``user``, only the invoices that user
        may read (a salesperson restricted to their own documents reads their
        own clients' only)."""
        engine = self.env["freelance.dunning.engine"].sudo().with_company(company)
        if plan is None:
            plan = engine._plan(company, day)
        rows = []
        for (client, currency), all_items in plan.items():
            items = all_items
            if user is not None:
                moves = self.env["account.move"].union(
                    *(line.move_id for line, _level, _figures in all_items)
                )
                readable = (
                    moves.with_user(user).with_company(company)._filtered_access("read")
                )
                items = [item for item in all_items if item[0].move_id in readable]
            if not items:
                continue
            levels = self.env["freelance.dunning.level"].union(
                *(level for _line, level, _figures in items)
            )
            top = max(levels, key=lambda level: level.sequence)
            total = sum(
                f["amount_residual"] + f["interest"] + f["indemnity"]
                for _line, _level, f in items
            )
            channels = [
                channel
                for channel in ("email", "letter", "phone", "sms")
                if any(level[f"channel_{channel}"] for level in levels)
            ] or ["email"]
            waits = any(level.needs_validation for level in levels) or any(
                f["rate_missing"] for _line, _level, f in items
            )
            rows.append((client, currency, top, total, channels, waits))
        rows.sort(key=lambda row: (row[0].name or "", row[0].id))
        return rows

    @api.model
    def _send(self, company):
        """The company's morning email to each of its dunning users, in each
        one's language; none when the run will send nothing."""
        day = self._next_run_day()
        plan = (
            self.env["freelance.dunning.engine"]
            .sudo()
            .with_company(company)
            ._plan(company, day)
        )
        mails = self.env["mail.mail"]
        if not plan:
            return mails
        for user in self._get_recipients(company):
            # Each one reads the rows of the invoices they may read; nothing
            # is sent to whom may read none.
            rows = self._get_rows(company, day, user=user, plan=plan)
            if not rows:
                continue
            env = self.with_context(lang=user.lang or "en_US").env
            subject, body = self._render(env, company, day, rows)
            mails |= (
                self.env["mail.mail"]
                .sudo()
                .create(
                    {
                        "subject": subject,
                        "body_html": body,
                        "email_from": company.partner_id.email_formatted
                        or company.email,
                        "recipient_ids": [fields.Command.link(user.partner_id.id)],
                        "auto_delete": True,
                    }
                )
            )
        return mails

    @api.model
    def _get_lines(self, env, company, day, rows):
        """The email's lines, one per reminder, in ``env``'s language."""
        channel_names = {
            "email": env._("email"),
            "letter": env._("letter"),
            "phone": env._("phone call"),
            "sms": env._("SMS"),
        }
        lines = []
        for client, currency, level, total, channels, waits in rows:
            lines.append(
                env._(
                    "%(client)s: %(level)s, %(amount)s, by %(channels)s, "
                    "%(validation)s",
                    client=client.display_name,
                    level=level.with_env(env).name,
                    amount=format_amount(env, total, currency),
                    channels=env._(" and ").join(channel_names[c] for c in channels),
                    validation=(
                        env._("awaiting your validation")
                        if waits
                        else env._("sent without validation")
                    ),
                )
            )
        return lines

    @api.model
    def _render(self, env, company, day, rows):
        """(subject, HTML body) of the morning email in ``env``'s language."""
        base_url = company.get_base_url()
        subject = env._(
            "%(company)s: %(count)s payment reminders to send on %(date)s",
            company=company.name,
            count=len(rows),
            date=format_date(env, day),
        )
        items = Markup()
        for (client, *_rest), line in zip(
            rows, self._get_lines(env, company, day, rows), strict=True
        ):
            postpone = (
                f"{base_url}/odoo/res.partner/{client.id}"
                "/action-freelance_dunning.freelance_dunning_postpone_wizard_action"
            )
            items += Markup('<li>%s (<a href="%s">%s</a>)</li>') % (
                line,
                postpone,
                env._("postpone this client"),
            )
        actions = f"{base_url}/odoo/action-freelance_dunning."
        preview = f"{actions}freelance_dunning_run_wizard_action"
        to_validate = f"{actions}freelance_dunning_reminder_action"
        body = Markup("<div><p>%s</p><ul>%s</ul><p>%s</p><p>%s</p></div>") % (
            env._(
                "The next nightly run of %(company)s (%(date)s) will send these "
                "payment reminders:",
                company=company.name,
                date=format_date(env, day),
            ),
            items,
            Markup('<a href="%s">%s</a>') % (preview, env._("Open the run preview")),
            Markup('<a href="%s">%s</a> %s')
            % (
                to_validate,
                env._("Payment reminders"),
                env._(
                    "(those awaiting your validation wait there after the run, "
                    "to validate or skip)"
                ),
            ),
        )
        return subject, str(body)
