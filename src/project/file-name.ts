/** The project file at the working tree's root. Its own module: commands that only ask whether it exists load no YAML parser. */
export const PROJECT_FILE = 'dv.yaml';
