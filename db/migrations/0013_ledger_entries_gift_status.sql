DROP INDEX `gifts_export`;--> statement-breakpoint
ALTER TABLE `ledger_entries` ADD `gift_status` text;--> statement-breakpoint
UPDATE `ledger_entries` SET `gift_status` = g.`status` FROM `gifts` g WHERE g.`id` = `ledger_entries`.`gift_id`;--> statement-breakpoint
CREATE TRIGGER `ledger_entries_gift_status_insert` AFTER INSERT ON `ledger_entries`
  WHEN NEW.`gift_id` IS NOT NULL OR NEW.`gift_status` IS NOT NULL
BEGIN
  UPDATE `ledger_entries` SET `gift_status` = (SELECT g.`status` FROM `gifts` g WHERE g.`id` = NEW.`gift_id`) WHERE rowid = NEW.rowid;
END;--> statement-breakpoint
CREATE TRIGGER `ledger_entries_gift_status_update` AFTER UPDATE OF `gift_id` ON `ledger_entries`
  WHEN NEW.`gift_id` IS NOT OLD.`gift_id`
BEGIN
  UPDATE `ledger_entries` SET `gift_status` = (SELECT g.`status` FROM `gifts` g WHERE g.`id` = NEW.`gift_id`) WHERE rowid = NEW.rowid;
END;--> statement-breakpoint
CREATE TRIGGER `gifts_status_to_ledger_entries_update` AFTER UPDATE OF `id`, `status` ON `gifts`
  WHEN NEW.`status` IS NOT OLD.`status` OR NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `ledger_entries` SET `gift_status` = NULL WHERE `gift_id` = OLD.`id` AND OLD.`id` IS NOT NEW.`id`;
  UPDATE `ledger_entries` SET `gift_status` = NEW.`status` WHERE `gift_id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `gifts_status_to_ledger_entries_delete` AFTER DELETE ON `gifts`
BEGIN
  UPDATE `ledger_entries` SET `gift_status` = NULL WHERE `gift_id` = OLD.`id`;
END;
