CREATE TABLE `refund_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`gift_id` text NOT NULL,
	`payment_intent_id` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`stripe_refund_id` text,
	`error` text,
	`staff_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`gift_id`) REFERENCES `gifts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `refund_requests_gift` ON `refund_requests` (`gift_id`,`created_at`);