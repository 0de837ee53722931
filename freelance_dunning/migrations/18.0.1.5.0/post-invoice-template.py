"""The invoice email template, reworded for every invoice (issue 19).

Up to 18.0.1.3.0 it was worded for deposit and installment invoices only, and
the invoices a company emails as soon as they are posted went out as
"My Company: , invoice ..." with "for  of your order". It is shipped with
noupdate (a user may adapt it), so an upgrade does not rewrite it: the subject
and body of a template still as shipped are replaced here by the data file's,
and its translations loaded again. A template the user changed is left alone.
"""

from pathlib import Path

from lxml import etree

from odoo import SUPERUSER_ID, api

XMLID = "freelance_dunning.mail_template_installment_invoice"
OLD_SUBJECT = (
    "{{ object.company_id.name }}: {{ object.installment_ids[:1].name }}, "
    "invoice {{ object.name }}"
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
    template = env.ref(XMLID, raise_if_not_found=False)
    if not template or template.subject != OLD_SUBJECT:
        return
    data = Path(__file__).parents[2] / "data" / "mail_template_data.xml"
    record = etree.parse(str(data)).find(
        ".//record[@id='mail_template_installment_invoice']"
    )
    fields = {field.get("name"): field for field in record.iter("field")}
    body = fields["body_html"]
    template.write(
        {
            "name": fields["name"].text,
            "description": fields["description"].text,
            "subject": fields["subject"].text,
            "body_html": "".join(
                etree.tostring(child, encoding="unicode") for child in body
            ),
        }
    )
    languages = [code for code, _name in env["res.lang"].get_installed()]
    if languages != ["en_US"]:
        env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], languages, overwrite=True
        )
