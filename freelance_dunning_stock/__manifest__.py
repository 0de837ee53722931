{
    "name": "Freelance Dunning - Deliveries",
    "summary": "No delivery validated for a sales order before its deposit is paid",
    "version": "18.0.1.1.0",
    "category": "Inventory/Delivery",
    "author": "Freelance Dunning",
    "maintainers": ["freelance-dunning"],
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning", "sale_stock"],
    "auto_install": True,
}
