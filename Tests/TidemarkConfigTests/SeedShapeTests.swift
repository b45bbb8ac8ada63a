import Testing
@testable import TidemarkConfig

/// The seed's generated file must load as it is, with every seed-only field ignored without a warning.
@Suite("Seed-shaped tables.yml")
struct SeedShapeTests {
    /// An excerpt in the seed's HEAD shape (PyYAML's block style: lists not indented under their key).
    static let headExcerpt = """
        metadata:
          generated_at: '2025-10-19T08:14:02.511934'
          analyzer_version: 4.1_replica_fidelity
          configuration_version: '4.1'
          source_database: opendental
          total_tables: 446
          schema_hash: 9c1e4b7f0a2d
          analysis_timestamp: '2025-10-19T08:14:02.511934'
          environment: clinic
          performance_optimizations_enabled: true
          optimization_features:
          - sync_profile_classification
          - replicator_watermark_column
          - lookback_resync_config
        tables:
          medication:
            table_name: medication
            extraction_strategy: incremental
            estimated_rows: 1200
            estimated_size_mb: 0.12
            batch_size: 10000
            incremental_columns:
            - MedicationNum
            - DateTStamp
            incremental_strategy: or_logic
            primary_incremental_column: DateTStamp
            sync_profile: in_place_updates
            replicator_watermark_column: DateTStamp
            is_modeled: true
            dbt_model_types:
            - staging
            column_names:
            - MedicationNum
            - MedName
            - GenericNum
            - Notes
            - DateTStamp
            - RxCui
            - IsHidden
            performance_category: tiny
            processing_priority: medium
            time_gap_threshold_days: 7
            estimated_processing_time_minutes: 0.0
            memory_requirements_mb: 14
            monitoring:
              alert_on_failure: false
              alert_on_slow_extraction: false
              performance_threshold_records_per_second: 500
              memory_alert_threshold_mb: 28
            schema_hash: 5b0f31c2
            last_analyzed: '2025-10-19T08:14:02.511934'
            primary_key: MedicationNum
          allergydef:
            table_name: allergydef
            extraction_strategy: full_table
            estimated_rows: 32
            estimated_size_mb: 0.0
            batch_size: 10000
            incremental_columns:
            - AllergyDefNum
            incremental_strategy: single_column
            primary_incremental_column: AllergyDefNum
            sync_profile: append_only
            replicator_watermark_column: AllergyDefNum
            is_modeled: true
            dbt_model_types:
            - staging
            column_names:
            - AllergyDefNum
            - Description
            - IsHidden
            - DateTStamp
            - SnomedType
            - MedicationNum
            - UniiCode
            performance_category: tiny
            processing_priority: medium
            time_gap_threshold_days: 7
            primary_key: AllergyDefNum
          procedurelog:
            table_name: procedurelog
            extraction_strategy: incremental
            estimated_rows: 818050
            estimated_size_mb: 378.48
            batch_size: 35000
            incremental_columns:
            - ProcNum
            - DateTStamp
            incremental_strategy: or_logic
            primary_incremental_column: DateTStamp
            sync_profile: in_place_updates
            replicator_watermark_column: DateTStamp
            is_modeled: true
            dbt_model_types:
            - staging
            - intermediate
            column_names: [ProcNum, PatNum, AptNum, ProcDate, ProcFee, DateTStamp, DateComplete]
            performance_category: medium
            processing_priority: high
            time_gap_threshold_days: 30
            estimated_processing_time_minutes: 5.5
            memory_requirements_mb: 76
            monitoring:
              alert_on_failure: true
              alert_on_slow_extraction: true
              performance_threshold_records_per_second: 2000
              memory_alert_threshold_mb: 152
            primary_key: ProcNum
            lookback_resync:
              enabled: true
              window_days: 30
              predicate_columns:
              - DateComplete
              - ProcDate
          securitylog:
            table_name: securitylog
            extraction_strategy: incremental_chunked
            estimated_rows: 4737615
            estimated_size_mb: 911.76
            batch_size: 100000
            incremental_columns:
            - SecurityLogNum
            - LogDateTime
            incremental_strategy: or_logic
            primary_incremental_column: SecurityLogNum
            sync_profile: append_only
            replicator_watermark_column: SecurityLogNum
            is_modeled: false
            performance_category: large
            processing_priority: high
            time_gap_threshold_days: 60
            estimated_processing_time_minutes: 19.7
            memory_requirements_mb: 146
            monitoring:
              alert_on_failure: true
              alert_on_slow_extraction: true
              performance_threshold_records_per_second: 3000
              memory_alert_threshold_mb: 292
            primary_key: SecurityLogNum
          tmppatient:
            table_name: tmppatient
            extraction_strategy: full_table
            estimated_rows: 0
            estimated_size_mb: 0
            batch_size: 10000
            incremental_columns: []
            incremental_strategy: none
            primary_incremental_column: null
            performance_category: tiny
        """

    /// The seed's fields load; the one with a meaning Tidemark does not implement (procedurelog's enabled
    /// `lookback_resync`) is named in a warning.
    @Test func headExcerptLoadsWarningOnlyOfLookbackResync() throws {
        let file = try TablesFile.parse(Self.headExcerpt, file: "tables.yml")
        #expect(file.warnings.map { "\($0.table ?? "") \($0.field ?? "")" } == ["procedurelog lookback_resync"])
        #expect(file.tables.map(\.name) == ["medication", "allergydef", "procedurelog", "securitylog", "tmppatient"])

        var medication = TableConfig(name: "medication")
        medication.primaryKey = ["MedicationNum"]
        medication.incrementalColumns = ["MedicationNum", "DateTStamp"]
        medication.incrementalStrategy = .orLogic
        medication.primaryIncrementalColumn = "DateTStamp"
        medication.batchSize = 10000
        medication.estimatedRows = 1200
        medication.estimatedSizeMB = 0.12
        medication.performanceCategory = "tiny"
        medication.syncProfile = .inPlaceUpdates
        #expect(file["medication"] == medication)
    }

    @Test func headExcerptValuesPerTable() throws {
        let file = try TablesFile.parse(Self.headExcerpt, file: "tables.yml")

        let allergydef = try #require(file["allergydef"])
        #expect(allergydef.primaryKey == ["AllergyDefNum"])
        #expect(allergydef.incrementalColumns == ["AllergyDefNum"])
        #expect(allergydef.incrementalStrategy == .singleColumn)
        #expect(allergydef.estimatedRows == 32)
        #expect(allergydef.estimatedSizeMB == 0.0)
        #expect(allergydef.syncProfile == .appendOnly)
        #expect(allergydef.relationships.isEmpty)

        let procedurelog = try #require(file["procedurelog"])
        #expect(procedurelog.primaryKey == ["ProcNum"])
        #expect(procedurelog.batchSize == 35000)
        #expect(procedurelog.estimatedRows == 818_050)
        #expect(procedurelog.estimatedSizeMB == 378.48)
        #expect(procedurelog.performanceCategory == "medium")
        #expect(procedurelog.syncProfile == .inPlaceUpdates)
        // lookback_resync is the seed's and is ignored; Tidemark's own knob is lookback_seconds.
        #expect(procedurelog.lookbackSeconds == nil)

        let securitylog = try #require(file["securitylog"])
        #expect(securitylog.estimatedRows == 4_737_615)
        #expect(securitylog.batchSize == 100_000)
        #expect(securitylog.primaryIncrementalColumn == "SecurityLogNum")
        #expect(securitylog.performanceCategory == "large")

        // A temp table: no primary_key, no incremental columns, null primary column, integer size.
        let tmp = try #require(file["tmppatient"])
        #expect(tmp.primaryKey.isEmpty)
        #expect(tmp.incrementalColumns.isEmpty)
        #expect(tmp.incrementalStrategy == IncrementalLogic.none)
        #expect(tmp.primaryIncrementalColumn == nil)
        #expect(tmp.estimatedSizeMB == 0)

        // Tidemark's own fields are absent from a seed file.
        for table in file.tables {
            #expect(table.strategy == nil)
            #expect(table.policy == nil)
            #expect(table.verify == nil)
        }
        #expect(file["patient"] == nil)
    }

    /// v1 wrote `and_logic` for procedurelog and had no sync_profile.
    @Test func v1ProcedurelogEntry() throws {
        let yaml = """
            metadata:
              analyzer_version: 4.0_performance_enhanced
              total_tables: 436
            tables:
              procedurelog:
                table_name: procedurelog
                extraction_strategy: incremental
                estimated_rows: 762806
                estimated_size_mb: 372.56
                batch_size: 35000
                incremental_columns: [ProcNum, DateTStamp, SecDateEntry]
                incremental_strategy: and_logic
                primary_incremental_column: ProcNum
                performance_category: medium
                processing_priority: high
                time_gap_threshold_days: 30
                estimated_processing_time_minutes: 5.1
                memory_requirements_mb: 76
                monitoring: {alert_on_failure: true, alert_on_slow_extraction: true, performance_threshold_records_per_second: 2000, memory_alert_threshold_mb: 152}
                primary_key: ProcNum
            """
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        let procedurelog = try #require(file["procedurelog"])
        #expect(procedurelog.incrementalColumns == ["ProcNum", "DateTStamp", "SecDateEntry"])
        #expect(procedurelog.incrementalStrategy == .andLogic)
        #expect(procedurelog.syncProfile == nil)
        #expect(file.warnings.isEmpty)
    }

    @Test func loadsFromDisk() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tables.yml", Self.headExcerpt)
        let file = try TablesFile.load(path: path)
        #expect(file.path == path)
        #expect(file.tables.count == 5)
    }
}
