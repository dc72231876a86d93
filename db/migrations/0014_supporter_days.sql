CREATE TABLE `ledger_supporter_day_counts` (
	`day` integer NOT NULL,
	`prev_day` integer NOT NULL,
	`currency` text NOT NULL,
	`supporters` integer NOT NULL,
	PRIMARY KEY(`day`, `prev_day`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_supporter_days` (
	`currency` text NOT NULL,
	`email` text NOT NULL,
	`day` integer NOT NULL,
	`prev_day` integer NOT NULL,
	PRIMARY KEY(`currency`, `email`, `day`)
);
--> statement-breakpoint
CREATE TABLE `ledger_supporter_month_counts` (
	`month` integer NOT NULL,
	`prev_day` integer NOT NULL,
	`currency` text NOT NULL,
	`supporters` integer NOT NULL,
	PRIMARY KEY(`month`, `prev_day`, `currency`)
);
--> statement-breakpoint
CREATE INDEX `outbox_to` ON `outbox` (`to_address`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `recurring_gifts_supporter` ON `recurring_gifts` (`supporter_id`,`created_at`);--> statement-breakpoint
insert into ledger_supporter_days (currency, email, day, prev_day) select currency, email, day, coalesce(lag(day) over (partition by currency, email order by day), -1) as prev_day from ( select distinct e.currency as currency, lower(e.email) as email, e.occurred_at / 86400000 as day from ledger_entries e where e.kind in ('gift', 'renewal') and e.email is not null and true);--> statement-breakpoint
insert into ledger_supporter_day_counts (day, prev_day, currency, supporters) select day, prev_day, currency, count(*) from ledger_supporter_days group by 1, 2, 3;--> statement-breakpoint
insert into ledger_supporter_month_counts (month, prev_day, currency, supporters) select cast(strftime('%Y%m', day * 86400, 'unixepoch') as integer), prev_day, currency, count(*) from ledger_supporter_days group by 1, 2, 3;
