{
    "name": "Freelance Dunning - Job Queue",
    "summary": "The nightly reminders split into jobs of OCA's queue_job, on a "
    "channel of their own",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "Freelance Dunning",
    "maintainers": ["freelance-dunning"],
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning", "queue_job"],
    "data": [
        "security/ir.model.access.csv",
        "data/queue_job_data.xml",
    ],
    "auto_install": True,
}
