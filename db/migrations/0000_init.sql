CREATE TABLE `gifts` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`frequency` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`email` text,
	`supporter_id` text,
	`article` text,
	`section` text,
	`campaign` text,
	`variant` text,
	`referrer` text,
	`country` text,
	`checkout_session_id` text,
	`payment_intent_id` text,
	`subscription_id` text,
	`from_checkout` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gifts_checkout_session` ON `gifts` (`checkout_session_id`);--> statement-breakpoint
CREATE INDEX `gifts_created` ON `gifts` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `gifts_subscription` ON `gifts` (`subscription_id`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`gift_id` text,
	`recurring_gift_id` text,
	`frequency` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`fee_minor` integer,
	`net_minor` integer,
	`email` text,
	`stripe_id` text NOT NULL,
	`stripe_event_id` text,
	`occurred_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`gift_id`) REFERENCES `gifts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recurring_gift_id`) REFERENCES `recurring_gifts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_entries_key` ON `ledger_entries` (`key`);--> statement-breakpoint
CREATE INDEX `ledger_entries_occurred` ON `ledger_entries` (`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_gift` ON `ledger_entries` (`gift_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`template` text NOT NULL,
	`to_address` text NOT NULL,
	`props` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key` ON `outbox` (`key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `recurring_gifts` (
	`id` text PRIMARY KEY NOT NULL,
	`stripe_subscription_id` text NOT NULL,
	`gift_id` text,
	`supporter_id` text,
	`stripe_customer_id` text,
	`status` text NOT NULL,
	`interval` text,
	`amount_minor` integer,
	`currency` text,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`current_period_end` integer,
	`state_order` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`gift_id`) REFERENCES `gifts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supporter_id`) REFERENCES `supporters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recurring_gifts_subscription` ON `recurring_gifts` (`stripe_subscription_id`);--> statement-breakpoint
CREATE TABLE `sandbox_objects` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`stripe_created` integer NOT NULL,
	`livemode` integer NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `stripe_events_unprocessed` ON `stripe_events` (`processed_at`) WHERE processed_at is null;--> statement-breakpoint
CREATE TABLE `supporters` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`stripe_customer_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `supporters_email` ON `supporters` (`email`);