CREATE TABLE `ledger_day_attribution` (
	`dimension` text NOT NULL,
	`day` integer NOT NULL,
	`has_value` integer NOT NULL,
	`value` text NOT NULL,
	`currency` text NOT NULL,
	`kind` text NOT NULL,
	`frequency` text NOT NULL,
	`payments` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	PRIMARY KEY(`dimension`, `day`, `has_value`, `value`, `currency`, `kind`, `frequency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_day_totals` (
	`day` integer NOT NULL,
	`currency` text NOT NULL,
	`settlement_currency` text NOT NULL,
	`kind` text NOT NULL,
	`frequency` text NOT NULL,
	`entries` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	`fee_minor` integer NOT NULL,
	`net_minor` integer NOT NULL,
	`fees_pending` integer NOT NULL,
	PRIMARY KEY(`day`, `currency`, `settlement_currency`, `kind`, `frequency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_month_attribution` (
	`dimension` text NOT NULL,
	`month` integer NOT NULL,
	`has_value` integer NOT NULL,
	`value` text NOT NULL,
	`currency` text NOT NULL,
	`kind` text NOT NULL,
	`frequency` text NOT NULL,
	`payments` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	PRIMARY KEY(`dimension`, `month`, `has_value`, `value`, `currency`, `kind`, `frequency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_supporter_counts` (
	`period` text NOT NULL,
	`currency` text NOT NULL,
	`supporters` integer NOT NULL,
	PRIMARY KEY(`period`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `ledger_supporter_periods` (
	`period` text NOT NULL,
	`currency` text NOT NULL,
	`email` text NOT NULL,
	PRIMARY KEY(`period`, `currency`, `email`)
);
--> statement-breakpoint
CREATE TABLE `recurring_gift_days` (
	`day` integer NOT NULL,
	`currency` text NOT NULL,
	`event` text NOT NULL,
	`gifts` integer NOT NULL,
	PRIMARY KEY(`day`, `currency`, `event`)
);
--> statement-breakpoint
CREATE TABLE `recurring_gift_totals` (
	`currency` text NOT NULL,
	`interval` text NOT NULL,
	`status` text NOT NULL,
	`gifts` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	PRIMARY KEY(`currency`, `interval`, `status`)
);
--> statement-breakpoint
DROP INDEX `recurring_gifts_payment_issue`;--> statement-breakpoint
CREATE INDEX `recurring_gifts_payment_issue` ON `recurring_gifts` (`next_payment_attempt_at`,`id`) WHERE payment_issue is not null;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `article` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `section` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `campaign` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `variant` text;--> statement-breakpoint
CREATE INDEX `gifts_failed` ON `gifts` (`updated_at`,`id`) WHERE status = 'failed';--> statement-breakpoint
-- Backfill: each entry takes its gift's attribution, then the rollups are summed from every entry and recurring gift (the same SQL as `ledger rollups check --rebuild`).
UPDATE `ledger_entries` SET `article` = g.`article`, `section` = g.`section`, `campaign` = g.`campaign`, `variant` = g.`variant` FROM `gifts` g WHERE g.`id` = `ledger_entries`.`gift_id`;--> statement-breakpoint
insert into ledger_day_totals (day, currency, settlement_currency, kind, frequency, entries, amount_minor, fee_minor, net_minor, fees_pending) select e.occurred_at / 86400000, e.currency, coalesce(e.settlement_currency, e.currency), e.kind, e.frequency, count(*), sum(e.amount_minor), coalesce(sum(e.fee_minor), 0), coalesce(sum(e.net_minor), 0), count(case when e.fee_minor is null then 1 end) from ledger_entries e where true group by 1, 2, 3, 4, 5 on conflict (day, currency, settlement_currency, kind, frequency) do update set entries = ledger_day_totals.entries + excluded.entries, amount_minor = ledger_day_totals.amount_minor + excluded.amount_minor, fee_minor = ledger_day_totals.fee_minor + excluded.fee_minor, net_minor = ledger_day_totals.net_minor + excluded.net_minor, fees_pending = ledger_day_totals.fees_pending + excluded.fees_pending;--> statement-breakpoint
insert into ledger_day_attribution (dimension, day, has_value, value, currency, kind, frequency, payments, amount_minor) select d.dim, e.occurred_at / 86400000, (case d.dim when 'article' then e.article when 'section' then e.section when 'campaign' then e.campaign when 'variant' then e.variant end) is not null, coalesce((case d.dim when 'article' then e.article when 'section' then e.section when 'campaign' then e.campaign when 'variant' then e.variant end), ''), e.currency, e.kind, e.frequency, count(*), sum(e.amount_minor) from ledger_entries e cross join (select 'article' as dim union all select 'section' as dim union all select 'campaign' as dim union all select 'variant' as dim) d where e.kind in ('gift', 'renewal') and true group by 1, 2, 3, 4, 5, 6, 7 on conflict (dimension, day, has_value, value, currency, kind, frequency) do update set payments = ledger_day_attribution.payments + excluded.payments, amount_minor = ledger_day_attribution.amount_minor + excluded.amount_minor;--> statement-breakpoint
insert into ledger_month_attribution (dimension, month, has_value, value, currency, kind, frequency, payments, amount_minor) select d.dim, cast(strftime('%Y%m', e.occurred_at / 1000, 'unixepoch') as integer), (case d.dim when 'article' then e.article when 'section' then e.section when 'campaign' then e.campaign when 'variant' then e.variant end) is not null, coalesce((case d.dim when 'article' then e.article when 'section' then e.section when 'campaign' then e.campaign when 'variant' then e.variant end), ''), e.currency, e.kind, e.frequency, count(*), sum(e.amount_minor) from ledger_entries e cross join (select 'article' as dim union all select 'section' as dim union all select 'campaign' as dim union all select 'variant' as dim) d where e.kind in ('gift', 'renewal') and true group by 1, 2, 3, 4, 5, 6, 7 on conflict (dimension, month, has_value, value, currency, kind, frequency) do update set payments = ledger_month_attribution.payments + excluded.payments, amount_minor = ledger_month_attribution.amount_minor + excluded.amount_minor;--> statement-breakpoint
insert into ledger_supporter_periods (period, currency, email) select distinct strftime(p.f, e.occurred_at / 1000, 'unixepoch') as period, e.currency as currency, lower(e.email) as email from ledger_entries e cross join (select '%Y-%m' as f union all select '%Y') p where e.kind in ('gift', 'renewal') and e.email is not null and true;--> statement-breakpoint
insert into ledger_supporter_counts (period, currency, supporters) select period, currency, count(*) from ledger_supporter_periods group by period, currency;--> statement-breakpoint
insert into recurring_gift_totals (currency, "interval", status, gifts, amount_minor) select coalesce(r.currency, ''), coalesce(r."interval", ''), r.status, count(*), coalesce(sum(r.amount_minor), 0) from recurring_gifts r where true group by 1, 2, 3 on conflict (currency, "interval", status) do update set gifts = recurring_gift_totals.gifts + excluded.gifts, amount_minor = recurring_gift_totals.amount_minor + excluded.amount_minor;--> statement-breakpoint
insert into recurring_gift_days (day, currency, event, gifts) select day, currency, event, count(*) from ( select r.created_at / 86400000 as day, r.currency as currency, 'started' as event from recurring_gifts r where r.currency is not null and true union all select r.canceled_at / 86400000, r.currency, 'cancelled' from recurring_gifts r where r.currency is not null and r.canceled_at is not null and true) where true group by 1, 2, 3 on conflict (day, currency, event) do update set gifts = recurring_gift_days.gifts + excluded.gifts;
