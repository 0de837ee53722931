import uuid

from lxml import etree, html
from markupsafe import Markup

from odoo import api, models

# Reminders whose QWeb body is rendered for a whole batch at once.
BATCH_RENDERED_MODELS = ("freelance.dunning.reminder",)


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Render a batch of reminders' bodies in one QWeb pass.

        Odoo parses and compiles a raw QWeb body anew for every record, which
        costs more than the rest of a reminder. For the addon's reminders the
        body is compiled once, wrapped in a loop over the records, and the
        result cut back into one text per record. Anything else, a single
        record, or a rendering in Odoo's restricted mode takes Odoo's path.
        """
        if (
            model not in BATCH_RENDERED_MODELS
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
        rendered = self.env["ir.qweb"]._render(root, variables, **(options or {}))
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
