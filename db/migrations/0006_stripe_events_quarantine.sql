ALTER TABLE `stripe_events` ADD `quarantined_at` integer;--> statement-breakpoint
ALTER TABLE `stripe_events` ADD `quarantine_errors` text;--> statement-breakpoint
CREATE INDEX `stripe_events_quarantined` ON `stripe_events` (`quarantined_at`,`id`) WHERE quarantined_at is not null;