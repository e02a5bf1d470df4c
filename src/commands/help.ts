import * as Args from '@oclif/core/args'
import {Command} from '@oclif/core/command'

interface HelpJson {
  command: string
  summary?: string
  description?: string
  usage?: string | string[]
  examples: string[]
  flags: Record<string, {char?: string; description?: string; required?: boolean; type: string}>
}

export default class Help extends Command {
  static summary = 'Show help for metricat or for one command (the same as `metricat COMMAND --help` or `-h`).'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help query', '<%= config.bin %> help sources add', '<%= config.bin %> help query --json']
  static strict = false
  static enableJsonFlag = true
  static args = {command: Args.string({description: 'a command, e.g. query or sources add'})}

  async run(): Promise<{commands: {command: string; summary?: string}[]} | HelpJson> {
    const {argv} = await this.parse(Help)
    const words = (argv as string[]).filter((a) => a !== '--json')
    const id = words.join(':')
    const command = id ? this.config.findCommand(id) : undefined
    if (id && !command) {
      // same answer as a mistyped command: exit 2 with the closest ones
      await this.config.runHook('command_not_found', {id, argv: this.jsonEnabled() ? ['--json'] : []})
      return undefined as never
    }
    if (!this.jsonEnabled()) {
      const {loadHelpClass} = await import('@oclif/core/help')
      const HelpClass = await loadHelpClass(this.config)
      await new HelpClass(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(words)
    }
    const bin = (s: string) => s.replaceAll('<%= config.bin %>', this.config.bin)
    if (!command) {
      return {commands: this.config.commands.filter((c) => !c.hidden).map((c) => ({command: c.id.replaceAll(':', ' '), summary: c.summary}))}
    }
    return {
      command: command.id.replaceAll(':', ' '),
      summary: command.summary,
      description: command.description,
      usage: command.usage,
      examples: (command.examples ?? []).map((e) => bin(typeof e === 'string' ? e : e.command)),
      flags: Object.fromEntries(
        Object.entries(command.flags).map(([name, f]) => [name, {char: f.char, description: f.summary ?? f.description, required: f.required, type: f.type}]),
      ),
    }
  }
}
