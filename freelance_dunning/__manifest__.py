{
    "name": "Freelance Dunning",
    "summary": "Required deposits on quotes, payment schedules, work gate and "
    "escalating payment reminders for freelancers",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "freelance_dunning developers",
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "maintainers": [],
    "depends": ["sale_management", "account_payment", "portal", "mail"],
    "data": [],
    "demo": [],
    "installable": True,
    "application": True,
}
