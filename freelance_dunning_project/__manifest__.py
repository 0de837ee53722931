{
    "name": "Freelance Dunning - Projects",
    "summary": "No project or task from a sales order before its deposit is paid",
    "version": "18.0.1.2.0",
    "category": "Services/Project",
    "author": "Freelance Dunning",
    "maintainers": ["freelance-dunning"],
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning", "sale_project"],
    "demo": ["demo/freelance_dunning_project_demo.xml"],
    "assets": {
        "web.assets_tests": ["freelance_dunning_project/static/tests/tours/*.js"],
    },
    "uninstall_hook": "_uninstall_hook",
    "auto_install": True,
}
