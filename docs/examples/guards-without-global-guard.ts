/** With `globalGuard: false`: guard your routes yourself (docs/guards.md). */
import { Controller, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, RolesGuard } from 'nest-gatekeeper';

@UseGuards(AccessTokenGuard, RolesGuard)
@Controller('reports')
export class ReportsController { /* … */ }
