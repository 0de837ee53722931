{
    "name": "Freelance Dunning - Web Shop",
    "summary": "Web-shop orders keep Odoo's checkout: no deposit, no work gate",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "author": "Freelance Dunning",
    "maintainers": ["freelance-dunning"],
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning", "website_sale"],
    "auto_install": True,
}
