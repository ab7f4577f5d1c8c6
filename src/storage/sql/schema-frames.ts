/** 0024: the station page's message log, each station's newest frames in 100 slots (issue 16). */
export interface StationFramesTable {
  station_id: string;
  slot: number;
  seq: number;
  at: string;
  direction: 'in' | 'out';
  message_type: 'CALL' | 'CALLRESULT' | 'CALLERROR';
  message_id: string;
  action: string | null;
  payload: string;
  payload_chars: number;
}

export interface FrameTables {
  station_frames: StationFramesTable;
}
