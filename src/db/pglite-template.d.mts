export declare const PGLITE_TEMPLATE_DIR_ENV: 'ROSTER_PGLITE_TEMPLATE_DIR';
export declare function pgliteVersion(): string;
export declare function pgliteTemplateRoot(env?: Record<string, string | undefined>): string;
export declare function pgliteTemplatePath(root?: string, version?: string): string;
export declare function migrationsKey(folder?: string): string;
export declare function pgliteSchemaTemplatePath(root?: string, version?: string, key?: string): string;
export declare function hasCluster(dir: string): boolean;
export declare function buildPgliteTemplate(options?: {
  root?: string;
  force?: boolean;
}): Promise<{ path: string; created: boolean; schema: { path: string; created: boolean } }>;
