import logging
import subprocess
from collections import OrderedDict

import lxml.html

from odoo import api, models
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

# Whether the wkhtmltopdf binary is the build with patched Qt, read once from
# its version line ("wkhtmltopdf 0.12.6 (with patched qt)").
_PATCHED_QT = {}

HEADER_CLASS = "header"
FOOTER_CLASS = "footer"
ARTICLE_CLASS = "article"
# Top margin (mm) of the pages with the unpatched wkhtmltopdf: the header is
# inside the page, no room is kept above it for a separate header.
BODY_MARGIN_TOP_MM = 10


def wkhtmltopdf_has_patched_qt():
    """Whether wkhtmltopdf is the build with patched Qt (the one from
    wkhtmltopdf.org). Debian's package is built against Debian's Qt: it takes
    one document per call and ignores ``--header-html``/``--footer-html``."""
    if "value" not in _PATCHED_QT:
        try:
            out = subprocess.run(
                [_get_wkhtmltopdf_bin(), "--version"],
                capture_output=True,
                check=False,
                timeout=30,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = b""
        _PATCHED_QT["value"] = b"patched qt" in out.lower()
    return _PATCHED_QT["value"]


def _has_class(node, klass):
    return klass in (node.get("class") or "").split()


def _rename_class(node, klass, new):
    node.set(
        "class",
        " ".join(new if name == klass else name for name in node.get("class").split()),
    )


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _wkhtmltopdf_one_document_per_call(self):
        """Whether PDFs must be made one document per wkhtmltopdf call, with
        the header and footer inside the page (Debian's unpatched build)."""
        return self.get_wkhtmltopdf_state() == "ok" and not wkhtmltopdf_has_patched_qt()

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Several records with the unpatched wkhtmltopdf: one call per record
        (the build refuses several documents in one call), the streams then
        merged by Odoo as usual (``_render_qweb_pdf``) or kept per record."""
        ids = list(res_ids or [])
        if (
            len(ids) < 2
            or len(set(ids)) != len(ids)
            or not self._wkhtmltopdf_one_document_per_call()
        ):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        streams = OrderedDict()
        for res_id in ids:
            one = super()._render_qweb_pdf_prepare_streams(
                report_ref, dict(data or {}), res_ids=[res_id]
            )
            streams.update(one)
        return streams

    def _prepare_html(self, html, report_model=False):
        """With the unpatched wkhtmltopdf, the company header and footer stay
        inside each document (the build ignores the separate header and footer
        files Odoo gives it): the header opens the document, the footer closes
        it. Page numbers and their repetition on every page are lost."""
        if not self._wkhtmltopdf_one_document_per_call():
            return super()._prepare_html(html, report_model=report_model)
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        moved = False
        for article in root.iter("div"):
            if not _has_class(article, ARTICLE_CLASS):
                continue
            header = article.getprevious()
            while header is not None and not isinstance(header.tag, str):
                header = header.getprevious()
            if header is not None and _has_class(header, HEADER_CLASS):
                _rename_class(header, HEADER_CLASS, "o_fd_header")
                article.insert(0, header)
                moved = True
            footer = article.getnext()
            while footer is not None and not isinstance(footer.tag, str):
                footer = footer.getnext()
            if footer is not None and _has_class(footer, FOOTER_CLASS):
                _rename_class(footer, FOOTER_CLASS, "o_fd_footer")
                article.append(footer)
                moved = True
        if moved:
            html = lxml.html.tostring(root, encoding="unicode")
        return super()._prepare_html(html, report_model=report_model)

    @api.model
    def _build_wkhtmltopdf_args(
        self,
        paperformat_id,
        landscape,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        """With the unpatched wkhtmltopdf, a small top margin
        (``BODY_MARGIN_TOP_MM``) instead of the paper format's, which keeps
        room for the separate header the build does not print: without it, a
        blank band of the paper format's margin (40 mm on European A4) opens
        every page. The bottom margin is kept (the footer closes the
        document, it is not pinned to the foot of the page)."""
        if self._wkhtmltopdf_one_document_per_call():
            specific = dict(specific_paperformat_args or {})
            top = specific.get("data-report-margin-top") or (
                paperformat_id.margin_top if paperformat_id else 0
            )
            if not top or float(top) > BODY_MARGIN_TOP_MM:
                specific["data-report-margin-top"] = BODY_MARGIN_TOP_MM
            specific_paperformat_args = specific
        return super()._build_wkhtmltopdf_args(
            paperformat_id,
            landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )

    @api.model
    def _run_wkhtmltopdf(
        self, bodies, report_ref=False, header=None, footer=None, **kwargs
    ):
        """With the unpatched wkhtmltopdf: no separate header and footer files
        (the build ignores them, with a warning; ``_prepare_html`` put them in
        the documents), and several bodies (a report printed without records)
        made one call per body, the PDFs put together."""
        if not self._wkhtmltopdf_one_document_per_call():
            return super()._run_wkhtmltopdf(
                bodies, report_ref=report_ref, header=header, footer=footer, **kwargs
            )
        if len(bodies) < 2:
            return super()._run_wkhtmltopdf(bodies, report_ref=report_ref, **kwargs)
        return merge_pdf(
            [
                super(IrActionsReport, self)._run_wkhtmltopdf(
                    [body], report_ref=report_ref, **kwargs
                )
                for body in bodies
            ]
        )
