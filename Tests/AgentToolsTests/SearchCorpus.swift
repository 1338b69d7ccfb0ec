import Foundation

/// Fifty jobs of an imagined company, and queries whose right answer is known: by exact words
/// (keyword search) and by meaning, in other words (search by embeddings).
enum SearchCorpus {
    /// (id, description, what its step runs or asks)
    static let jobs: [(id: String, description: String, step: String)] = [
        ("finance/invoice-reminders", "Email customers whose invoices are overdue", "python remind_overdue_invoices.py"),
        ("finance/payroll-export", "Export the monthly payroll to the accounting system", "payroll export --month last"),
        ("finance/expense-approvals", "Nudge managers about expense reports waiting for approval", "expenses nudge --pending"),
        ("finance/currency-rates", "Fetch foreign exchange rates from the central bank", "curl -fsS https://ecb.example/rates.xml"),
        ("finance/vat-return", "Prepare the quarterly VAT return draft", "vat prepare --quarter current"),
        ("finance/budget-variance", "Compare departmental spending against the annual budget", "budget variance --by department"),
        ("sales/crm-dedupe", "Merge duplicate contacts in the CRM", "crm dedupe --merge"),
        ("sales/pipeline-digest", "Summarise the sales pipeline for the Monday meeting", "Summarise open opportunities by stage and owner"),
        ("sales/lead-scoring", "Score new leads with the propensity model", "leads score --model propensity"),
        ("sales/quota-tracker", "Track each rep's progress against quota", "quota track --team all"),
        ("marketing/newsletter-send", "Send the weekly newsletter to subscribers", "newsletter send --list weekly"),
        ("marketing/social-scheduler", "Publish queued posts on social networks", "social publish --queued"),
        ("marketing/seo-crawl", "Crawl the website for broken links and SEO issues", "seo crawl https://www.example.com"),
        ("marketing/ad-spend", "Pull paid search ad spend and clicks", "ads pull --channel search"),
        ("marketing/campaign-report", "Report campaign conversions to the marketing team", "Write a short report on last week's campaign conversions"),
        ("engineering/db-backup", "Back up the production PostgreSQL database", "pg_dump --format custom production"),
        ("engineering/log-rotation", "Compress and rotate application logs", "logrotate /etc/logrotate.d/app"),
        ("engineering/cert-renewal", "Renew TLS certificates before they expire", "certbot renew"),
        ("engineering/dependency-audit", "Check dependencies for known vulnerabilities", "npm audit --production"),
        ("engineering/flaky-tests", "Find flaky tests in the CI history", "Look at CI runs of the last week and list tests that failed then passed"),
        ("engineering/disk-cleanup", "Delete old build artifacts to free disk space", "find /var/artifacts -mtime +14 -delete"),
        ("engineering/uptime-probe", "Probe the public endpoints and alert when one is down", "curl -fsS https://status.example.com/health"),
        ("engineering/cache-warm", "Warm the CDN cache after a deploy", "cdn warm --paths top1000"),
        ("engineering/index-rebuild", "Rebuild the search index from the catalogue", "search reindex --full"),
        ("support/ticket-triage", "Triage new support tickets by urgency", "Read new tickets and label each one urgent, normal or low"),
        ("support/sla-breaches", "Warn when tickets are about to breach their SLA", "tickets sla --warn 2h"),
        ("support/csat-survey", "Send satisfaction surveys after resolved tickets", "survey send --resolved yesterday"),
        ("support/knowledge-base", "Suggest knowledge base articles for common questions", "Find the ten most asked questions and draft help articles"),
        ("hr/birthday-greetings", "Post birthday greetings in the team channel", "greetings post --today"),
        ("hr/onboarding-checklist", "Remind new hires of their onboarding checklist", "onboarding remind --week 1"),
        ("hr/timesheet-reminder", "Remind employees to submit their timesheets on Friday", "timesheets remind --missing"),
        ("hr/leave-balance", "Update vacation leave balances", "leave accrue --monthly"),
        ("ops/inventory-sync", "Synchronise warehouse stock levels with the shop", "inventory sync --warehouse main"),
        ("ops/shipping-labels", "Print shipping labels for today's orders", "labels print --date today"),
        ("ops/supplier-orders", "Reorder supplies that fall below the minimum stock", "supplies reorder --below-minimum"),
        ("ops/returns-processing", "Process customer returns and refunds", "returns process --approved"),
        ("ops/fleet-maintenance", "Schedule maintenance for delivery vans", "fleet maintenance --due"),
        ("data/nightly-etl", "Load yesterday's orders into the data warehouse", "dbt run --select orders"),
        ("data/churn-model", "Retrain the customer churn prediction model", "python train_churn.py"),
        ("data/dashboard-refresh", "Refresh the executive dashboards", "dashboards refresh --all"),
        ("data/data-quality", "Check tables for nulls, duplicates and stale data", "dq check --all-tables"),
        ("data/gdpr-erasure", "Erase personal data of customers who asked to be forgotten", "privacy erase --requests pending"),
        ("security/access-review", "Review who has admin access to production", "access review --role admin"),
        ("security/password-expiry", "Warn users whose passwords expire soon", "passwords warn --days 7"),
        ("security/phishing-drill", "Run the monthly phishing awareness drill", "phishing drill --group all"),
        ("facilities/meeting-rooms", "Release meeting rooms booked by no-shows", "rooms release --no-show 15m"),
        ("facilities/energy-report", "Report office electricity consumption", "energy report --site hq"),
        ("legal/contract-renewals", "List contracts that renew within 60 days", "contracts due --within 60d"),
        ("legal/trademark-watch", "Watch for new trademarks similar to ours", "Search new trademark filings for names like ours"),
        ("it/laptop-patching", "Install operating system patches on company laptops", "mdm patch --all-devices"),
    ]

    /// Queries in the jobs' own words.
    static let keywordQueries: [(query: String, expected: String)] = [
        ("overdue invoices", "finance/invoice-reminders"),
        ("payroll", "finance/payroll-export"),
        ("duplicate contacts CRM", "sales/crm-dedupe"),
        ("newsletter subscribers", "marketing/newsletter-send"),
        ("PostgreSQL backup", "engineering/db-backup"),
        ("TLS certificates", "engineering/cert-renewal"),
        ("timesheets", "hr/timesheet-reminder"),
        ("shipping labels", "ops/shipping-labels"),
        ("churn model", "data/churn-model"),
        ("phishing drill", "security/phishing-drill"),
    ]

    /// Queries that say what the job does in other words.
    static let meaningQueries: [(query: String, expected: String)] = [
        ("chase clients who have not paid us yet", "finance/invoice-reminders"),
        ("make a copy of the main database so we can restore it", "engineering/db-backup"),
        ("tell staff to fill in the hours they worked this week", "hr/timesheet-reminder"),
        ("predict which customers will cancel their subscription", "data/churn-model"),
        ("wish colleagues a happy birthday", "hr/birthday-greetings"),
        ("buy more stock when the shelves run low", "ops/supplier-orders"),
        ("get today's euro and dollar conversion figures", "finance/currency-rates"),
        ("delete a customer's personal information on request", "data/gdpr-erasure"),
        ("teach employees to spot fraudulent emails", "security/phishing-drill"),
        ("update the security fixes on staff computers", "it/laptop-patching"),
    ]

    /// The job files of the corpus: one job each, run at 06:00 in Brussels on weekdays.
    static var files: [String: String] {
        var files = ["jobctl.yaml": "timezone: Europe/Brussels\n"]
        for job in jobs {
            let argv = job.step.split(separator: " ").map { "\"\($0)\"" }.joined(separator: ", ")
            files["jobs/\(job.id).yaml"] = """
                description: "\(job.description)"
                schedule:
                  cron: "0 6 * * 1-5"
                steps:
                  - name: work
                    run: [\(argv)]

                """
        }
        return files
    }
}
