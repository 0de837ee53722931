{
    "name": "Freelance Dunning - Deliveries",
    "summary": "No delivery validated for a sales order before its deposit is paid",
    "version": "18.0.1.0.0",
    "category": "Inventory/Delivery",
    "author": "freelance_dunning developers",
    "website": "https://github.com/freelance-dunning/freelance_dunning",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["freelance_dunning", "sale_stock"],
    "auto_install": True,
}
