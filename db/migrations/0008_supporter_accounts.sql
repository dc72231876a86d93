ALTER TABLE `gifts` ADD `browser_hash` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `pause_behavior` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `pending_change` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `cancel_reason` text;--> statement-breakpoint
ALTER TABLE `recurring_gifts` ADD `cancel_comment` text;--> statement-breakpoint
ALTER TABLE `supporters` ADD `erased_at` integer;