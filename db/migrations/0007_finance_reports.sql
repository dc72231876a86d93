CREATE TABLE `reconcile_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`ran_at` integer NOT NULL,
	`since_sec` integer NOT NULL,
	`drift` integer NOT NULL,
	`events_recovered` integer NOT NULL,
	`events_failed` integer NOT NULL,
	`fees_filled` integer NOT NULL,
	`objects_differing` integer NOT NULL,
	`currencies_differing` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reconcile_runs_ran` ON `reconcile_runs` (`ran_at`);--> statement-breakpoint
CREATE INDEX `gifts_supporter` ON `gifts` (`supporter_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_amount` ON `ledger_entries` (`amount_minor`,`id`);--> statement-breakpoint
CREATE INDEX `recurring_gifts_payment_issue` ON `recurring_gifts` (`next_payment_attempt_at`) WHERE payment_issue is not null;--> statement-breakpoint
CREATE INDEX `supporters_created` ON `supporters` (`created_at`,`id`);