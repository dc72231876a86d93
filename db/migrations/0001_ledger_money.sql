CREATE TABLE `disputes` (
	`id` text PRIMARY KEY NOT NULL,
	`charge_id` text,
	`payment_intent_id` text,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text,
	`status` text NOT NULL,
	`evidence_due_by` integer,
	`canceled_subscription_id` text,
	`state_order` integer DEFAULT 0 NOT NULL,
	`stripe_created` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `disputes_payment_intent` ON `disputes` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `payout_items` (
	`balance_transaction_id` text PRIMARY KEY NOT NULL,
	`payout_id` text NOT NULL,
	`type` text NOT NULL,
	`reporting_category` text NOT NULL,
	`source_id` text,
	`payment_intent_id` text,
	`amount_minor` integer NOT NULL,
	`fee_minor` integer NOT NULL,
	`net_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`stripe_created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payout_items_payout` ON `payout_items` (`payout_id`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reconciliation_status` text NOT NULL,
	`automatic` integer NOT NULL,
	`arrival_date` integer,
	`stripe_created` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stripe_charges` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent_id` text,
	`amount_minor` integer,
	`currency` text,
	`balance_transaction_id` text,
	`fee_minor` integer,
	`net_minor` integer,
	`settlement_currency` text,
	`exchange_rate` text,
	`early_fraud_warning_id` text,
	`fraud_type` text,
	`stripe_created` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stripe_charges_payment_intent` ON `stripe_charges` (`payment_intent_id`);--> statement-breakpoint
ALTER TABLE `gifts` ADD `fraud_warning_id` text;--> statement-breakpoint
CREATE INDEX `gifts_payment_intent` ON `gifts` (`payment_intent_id`);--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `settlement_currency` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `exchange_rate` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `balance_transaction_id` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `payment_intent_id` text;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `charge_id` text;--> statement-breakpoint
CREATE INDEX `ledger_entries_payment_intent` ON `ledger_entries` (`payment_intent_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_balance_transaction` ON `ledger_entries` (`balance_transaction_id`);--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `status_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `cancel_at` integer;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `canceled_at` integer;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `payment_issue` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `decline_code` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `next_payment_attempt_at` integer;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `issue_invoice_id` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `health_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Backfill: the status was ordered by state_order until now, and one-off entries are keyed by their PaymentIntent.
UPDATE `recurring_gifts` SET `status_order` = `state_order`;--> statement-breakpoint
UPDATE `ledger_entries` SET `payment_intent_id` = `stripe_id` WHERE `key` LIKE 'payment:pi\_%' ESCAPE '\';
