{
    "name": "Freelance Dunning - Timesheets",
    "summary": "No timesheet on a sales order's tasks before its deposit is paid",
    "version": "18.0.1.1.0",
    "category": "Services/Timesheets",
    "author": "Freelance Dunning",
    "maintainers": ["freelance-dunning"],
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning_project", "sale_timesheet"],
    "auto_install": True,
}
