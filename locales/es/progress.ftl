# Nombres de niveles e insignias tal como los leen los miembros (domain/progress_names.ts).

# Un nivel se nombra por su rango (uno cada diez niveles) y un número romano: "Novato I",
# "Miembro IV"; pasado el décimo rango, "Mítico 11", "Mítico 12", …
level-tier-1 = Novato
level-tier-2 = Miembro
level-tier-3 = Habitual
level-tier-4 = Colaborador
level-tier-5 = Veterano
level-tier-6 = Experto
level-tier-7 = Élite
level-tier-8 = Maestro
level-tier-9 = Leyenda
level-tier-10 = Mítico
# Lo que trae un nivel: el primero de cada rango, su título (el nombre que ven los miembros).
level-benefit-title = el título de { $tier }
# … y la insignia cuyo umbral es el nivel (nivel 5: ¡Subida de nivel!).
level-benefit-badge = la insignia { $badge }

# Nombres de insignias, y lo que cuenta su progreso ("42/100 mensajes").
badge-chatterbox = Parlanchín
badge-chatterbox-unit = mensajes
badge-linker = Enlazador
badge-linker-unit = enlaces
badge-helpful = Servicial
badge-helpful-unit = agradecimientos
badge-level_up = ¡Subida de nivel!
badge-level_up-unit = niveles
badge-on_fire = En llamas
badge-on_fire-unit = días seguidos
badge-unstoppable = Imparable
badge-unstoppable-unit = días seguidos
badge-regular = Asiduo
badge-regular-unit = días de actividad
badge-case_first_victory = Primera victoria
badge-case_first_victory-unit = victorias
badge-case_winning_streak = Racha ganadora
badge-case_winning_streak-unit = victorias
badge-case_champion = Campeón
badge-case_champion-unit = victorias
badge-case_master_debater = Maestro del debate
badge-case_master_debater-unit = argumentos en el top 3
badge-case_persuasion_expert = Experto en persuasión
badge-case_persuasion_expert-unit = argumentos en el top 3
badge-case_active_member = Miembro activo
badge-case_active_member-unit = casos
badge-case_dedicated_voter = Votante entregado
badge-case_dedicated_voter-unit = votos
badge-case_early_adopter = Pionero
badge-case_early_adopter-unit = ingreso temprano
badge-case_blockchain_ready = Listo para blockchain
badge-case_blockchain_ready-unit = cartera vinculada

# El resumen de badge-check en un grupo: un título, una línea por insignia (las 30 primeras) y el
# resto contado.
badge-digest-title = 🎖 Nuevas insignias:
badge-digest-line = { $emoji } { $badge } — { $name }
badge-digest-more = …y { NUMBER($n) } más
