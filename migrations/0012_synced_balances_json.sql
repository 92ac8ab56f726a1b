ALTER TABLE "synced_balances" ALTER COLUMN "balances" SET DATA TYPE json USING "balances"::json;
