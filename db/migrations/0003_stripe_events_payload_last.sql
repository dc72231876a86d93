-- The payload moves to the end of the row (see db/schema.ts, stripe_events.payload).
-- SQLite cannot reorder columns, so the table is rebuilt; no table references it.
CREATE TABLE `__new_stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`stripe_created` integer NOT NULL,
	`livemode` integer NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`payload` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_stripe_events` (`id`, `type`, `stripe_created`, `livemode`, `received_at`, `processed_at`, `attempts`, `last_error`, `payload`)
SELECT `id`, `type`, `stripe_created`, `livemode`, `received_at`, `processed_at`, `attempts`, `last_error`, `payload` FROM `stripe_events`;
--> statement-breakpoint
DROP TABLE `stripe_events`;
--> statement-breakpoint
ALTER TABLE `__new_stripe_events` RENAME TO `stripe_events`;
--> statement-breakpoint
CREATE INDEX `stripe_events_unprocessed` ON `stripe_events` (`processed_at`) WHERE processed_at is null;
