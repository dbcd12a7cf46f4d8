/// The factory's tables over its five databases (``FactoryScenario``), as migrations for both
/// dialects. On PostgreSQL each database is a schema; on SQLite a file attached under that name.
/// Either way a table is `database.table` in SQL.
///
/// | database | tables |
/// |---|---|
/// | `customers` | `customers` — the customer pool: company, contact, address |
/// | `crm` | `products` (the catalogue, with prices), `orders`, `customer_interactions` |
/// | `inventory` | `parts` (stock level, reorder point, order-up-to level), `bom`, `stock_movements` |
/// | `mes` | `production_orders`, `stage_completions` (one row per completed stage) |
/// | `erp` | `employees`, `financial_transactions` |
///
/// References between databases (an order's customer, a payment's order) are plain columns: a
/// foreign key cannot cross SQLite files. Keeping them true is the updaters' job, and checking
/// them is what ``FactoryInvariants`` (and any monitor) does. Within a database, foreign keys
/// hold. Stock levels carry no `CHECK (>= 0)` on purpose: a negative level is an invariant a
/// monitor must be able to see broken, not a write the database refuses.
///
/// Versions start at 101 so that a PostgreSQL database may hold an office (1–5) too.
enum FactorySchema {
    /// The five databases, in the order a monitor reads the business.
    static let databases = ["customers", "crm", "inventory", "mes", "erp"]

    /// Every migration: the bookkeeping shared with every scenario (``FireLog``), then the factory's.
    static let migrations: [Migration] = [FireLog.migration, FireLog.simulationTrigger, ChangeLog.migration, FireLog.replicaColumn, schema, indexes]

    /// Every business table, each written through the change log (seed rows included).
    static let trackedTables = ["customers.customers", "crm.products", "crm.orders", "crm.customer_interactions", "inventory.parts",
                         "inventory.bom", "inventory.stock_movements", "mes.production_orders", "mes.stage_completions",
                         "erp.employees", "erp.financial_transactions"]

    /// The production stages every product goes through, in order.
    static let stages = ["cutting", "assembly", "quality_check", "packaging"]

    /// The order statuses, in the only order they move through.
    static let orderStatuses = ["order_received", "order_processing", "in_production", "shipped"]

    private static func ddl(_ dialect: SQLDialect) -> String {
        let uuid = dialect == .sqlite ? "TEXT" : "UUID"
        let time = dialect == .sqlite ? "TEXT" : "TIMESTAMPTZ"
        let money = dialect == .sqlite ? "REAL" : "NUMERIC(14, 2)"
        let schemas = dialect == .postgres ? databases.map { "CREATE SCHEMA IF NOT EXISTS \($0);\n" }.joined() : ""
        let stamps = "created_at \(time) NOT NULL,\n    updated_at \(time) NOT NULL"
        // A foreign key's parent: SQLite takes it unqualified (it must be in the child's own
        // file); PostgreSQL resolves names through the search path, so it is qualified.
        func parent(_ schema: String, _ table: String) -> String { dialect == .sqlite ? table : "\(schema).\(table)" }
        return schemas + """
        CREATE TABLE customers.customers (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            customer_number TEXT NOT NULL,
            company_name TEXT NOT NULL,
            industry TEXT NOT NULL,
            contact_name TEXT NOT NULL,
            contact_title TEXT NOT NULL,
            contact_email TEXT NOT NULL,
            contact_phone TEXT NOT NULL,
            street TEXT NOT NULL,
            city TEXT NOT NULL,
            state TEXT NOT NULL,
            postal_code TEXT NOT NULL,
            payment_terms_days INTEGER NOT NULL,
            \(stamps),
            UNIQUE (tenant_id, customer_number)
        );
        CREATE TABLE crm.products (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            sku TEXT NOT NULL,
            name TEXT NOT NULL,
            category TEXT NOT NULL,
            unit_price \(money) NOT NULL,
            \(stamps),
            UNIQUE (tenant_id, sku)
        );
        CREATE TABLE crm.orders (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            order_number TEXT NOT NULL,
            sequence_number BIGINT NOT NULL,
            customer_id \(uuid) NOT NULL,
            product_id \(uuid) NOT NULL REFERENCES \(parent("crm", "products")) (id),
            quantity INTEGER NOT NULL,
            unit_price \(money) NOT NULL,
            amount \(money) NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('order_received', 'order_processing', 'in_production', 'shipped')),
            ordered_at \(time) NOT NULL,
            processed_at \(time),
            production_started_at \(time),
            shipped_at \(time),
            \(stamps),
            UNIQUE (tenant_id, sequence_number)
        );
        CREATE TABLE crm.customer_interactions (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            customer_id \(uuid) NOT NULL,
            order_id \(uuid),
            channel TEXT NOT NULL,
            subject TEXT NOT NULL,
            notes TEXT NOT NULL,
            occurred_at \(time) NOT NULL,
            \(stamps)
        );
        CREATE TABLE inventory.parts (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            part_number TEXT NOT NULL,
            name TEXT NOT NULL,
            unit TEXT NOT NULL,
            unit_cost \(money) NOT NULL,
            stock_level INTEGER NOT NULL,
            reorder_point INTEGER NOT NULL,
            order_up_to INTEGER NOT NULL,
            supplier TEXT NOT NULL,
            \(stamps),
            UNIQUE (tenant_id, part_number)
        );
        CREATE TABLE inventory.bom (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            product_id \(uuid) NOT NULL,
            part_id \(uuid) NOT NULL REFERENCES \(parent("inventory", "parts")) (id),
            quantity_per_unit INTEGER NOT NULL CHECK (quantity_per_unit > 0),
            \(stamps),
            UNIQUE (product_id, part_id)
        );
        CREATE TABLE inventory.stock_movements (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            part_id \(uuid) NOT NULL REFERENCES \(parent("inventory", "parts")) (id),
            movement_type TEXT NOT NULL CHECK (movement_type IN ('opening', 'consumption', 'restock')),
            quantity INTEGER NOT NULL,
            stock_after INTEGER NOT NULL,
            order_id \(uuid),
            occurred_at \(time) NOT NULL,
            \(stamps)
        );
        CREATE TABLE mes.production_orders (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            order_id \(uuid) NOT NULL,
            product_id \(uuid) NOT NULL,
            quantity INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('queued', 'in_progress', 'completed')),
            stages_completed INTEGER NOT NULL,
            workstation TEXT,
            queued_at \(time) NOT NULL,
            started_at \(time),
            completed_at \(time),
            \(stamps),
            UNIQUE (order_id)
        );
        CREATE TABLE mes.stage_completions (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            production_order_id \(uuid) NOT NULL REFERENCES \(parent("mes", "production_orders")) (id),
            stage_number INTEGER NOT NULL,
            stage TEXT NOT NULL,
            operator TEXT NOT NULL,
            completed_at \(time) NOT NULL,
            \(stamps),
            UNIQUE (production_order_id, stage_number)
        );
        CREATE TABLE erp.employees (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            employee_number TEXT NOT NULL,
            name TEXT NOT NULL,
            department TEXT NOT NULL,
            title TEXT NOT NULL,
            weekly_salary \(money) NOT NULL,
            hired_on TEXT NOT NULL,
            \(stamps),
            UNIQUE (tenant_id, employee_number)
        );
        CREATE TABLE erp.financial_transactions (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL,
            transaction_type TEXT NOT NULL
                CHECK (transaction_type IN ('inventory_usage', 'customer_payment', 'purchase', 'payroll')),
            amount \(money) NOT NULL,
            transaction_date TEXT NOT NULL,
            order_id \(uuid),
            part_id \(uuid),
            stock_movement_id \(uuid),
            employee_id \(uuid) REFERENCES \(parent("erp", "employees")) (id),
            quantity INTEGER,
            description TEXT NOT NULL,
            occurred_at \(time) NOT NULL,
            \(stamps)
        );
        """
    }

    static let schema = Migration(
        version: 101, name: "factory: customers, crm, inventory, mes and erp tables",
        sqlite: ddl(.sqlite), postgres: ddl(.postgres)
    )

    /// The updaters' reads: received orders oldest first, unfinished production, parts below
    /// their reorder point, a part's or an order's rows.
    private static func indexSQL(_ dialect: SQLDialect) -> String {
        // SQLite names an attached table's index `schema.index ON table`; PostgreSQL puts an
        // index in its table's schema and wants the name bare.
        func index(_ schema: String, _ name: String, _ rest: String) -> String {
            dialect == .sqlite ? "CREATE INDEX \(schema).\(name) ON \(rest);" : "CREATE INDEX \(name) ON \(schema).\(rest);"
        }
        return [
            index("crm", "orders_status", "orders (tenant_id, status, ordered_at, id)"),
            index("crm", "orders_customer", "orders (customer_id)"),
            index("crm", "customer_interactions_customer", "customer_interactions (customer_id)"),
            index("inventory", "stock_movements_part", "stock_movements (part_id, occurred_at)"),
            index("inventory", "stock_movements_order", "stock_movements (order_id)"),
            index("inventory", "bom_product", "bom (product_id)"),
            index("mes", "production_orders_open", "production_orders (tenant_id, status, queued_at, id)"),
            index("erp", "financial_transactions_type", "financial_transactions (tenant_id, transaction_type, transaction_date)"),
            index("erp", "financial_transactions_order", "financial_transactions (order_id)"),
        ].joined(separator: "\n")
    }

    static let indexes = Migration(
        version: 102, name: "factory: indexes for the updaters' reads",
        sqlite: indexSQL(.sqlite), postgres: indexSQL(.postgres)
    )
}
